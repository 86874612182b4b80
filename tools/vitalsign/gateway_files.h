// What several verbs open: the gateway's store, PEM public keys, and the
// exit code an error maps to.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "command.h"
#include "vs/chain/gateway_key_set.h"
#include "vs/chain/signed_note.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/mbedtls_verifier.h"

namespace vs::tools {

inline int exit_code_for(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
    case ErrorCode::kPermission:
    case ErrorCode::kIo:
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
      return kExitEnvironment;
    case ErrorCode::kMalformed:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return kExitInput;
    default:
      return kExitFailed;
  }
}

inline int complain(const char* verb, const Error& error) {
  std::fprintf(stderr, "vitalsign %s: %s\n", verb, error.message().c_str());
  return exit_code_for(error);
}

// How a verb opens the gateway's store: see gateway::StoreAccess. `--store`
// names an LMDB directory or a cluster's PostgreSQL (a postgresql:// URI;
// the schema from VS_POSTGRES_SCHEMA, "vitalsign" by default).
using gateway::StoreAccess;
inline Result<std::unique_ptr<gateway::GatewayState>> open_gateway_store(
    const std::string& location, StoreAccess access) {
  gateway::GatewayStoreOptions options;
  options.location = location;
  options.access = access;
  options.backend = gateway::store_backend_of(location);
  if (const char* schema = std::getenv("VS_POSTGRES_SCHEMA"); schema != nullptr && *schema != 0)
    options.postgres_schema = schema;
  return gateway::open_gateway_store(options);
}

// Who runs this tool, for the access log.
inline std::string current_user() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') return user;
  return "uid " + std::to_string(::geteuid());
}

inline Result<std::string> read_text_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read the file").about(path);
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes)
    return Error(ErrorCode::kMalformed, "the file is too large").about(path);
  return text;
}

// A signed-note verifier key (vkey): a file holding one, or the vkey text.
inline Result<chain::NoteVerifierKey> read_note_vkey(const std::string& file_or_vkey,
                                                     const platform::Sha256& sha) {
  std::error_code error;
  if (std::filesystem::is_regular_file(file_or_vkey, error)) {
    VS_TRY_ASSIGN(std::string text, read_text_file(file_or_vkey, 4096));
    auto key = chain::NoteVerifierKey::parse(sha, text);
    if (!key) return std::move(key).error().about(file_or_vkey);
    return key;
  }
  auto key = chain::NoteVerifierKey::parse(sha, file_or_vkey);
  if (!key)
    return std::move(key).error().about("'" + file_or_vkey + "' (neither a file nor a vkey)");
  return key;
}

inline Result<Bytes> read_public_key(const std::string& path) {
  VS_TRY_ASSIGN(std::string text, read_text_file(path, 64 * 1024));
  auto der = platform::MbedtlsVerifierFactory::der_from_pem(text);
  if (!der) return std::move(der).error().about(path);
  return der;
}

// The gateway keys an auditor trusts: one public key (PEM), valid at any
// time, or a trusted gateway keys file (each key with its window).
inline Result<chain::GatewayKeySet> read_gateway_keys(const std::string& path,
                                                      const platform::Sha256& sha,
                                                      const platform::VerifierFactory& verifiers) {
  VS_TRY_ASSIGN(std::string text, read_text_file(path, chain::GatewayKeySet::kMaxTextBytes));
  if (text.find("-----BEGIN") != std::string::npos) {
    auto der = platform::MbedtlsVerifierFactory::der_from_pem(text);
    if (!der) return std::move(der).error().about(path);
    auto keys = chain::GatewayKeySet::one(sha, verifiers, *der);
    if (!keys) return std::move(keys).error().about(path);
    return keys;
  }
  auto keys = chain::GatewayKeySet::parse(sha, verifiers, text);
  if (!keys) return std::move(keys).error().about(path + " (a trusted gateway keys file)");
  return keys;
}

}  // namespace vs::tools
