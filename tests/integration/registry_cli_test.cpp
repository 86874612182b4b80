// The gateway's registry from the command line: a device's signing request,
// enrol with a TLS
// certificate (its CN must be the device id; with --ca, issued by that CA),
// revoke, list.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "child_process.h"
#include "temp_dir.h"
#include "vs/agent/device_chain.h"
#include "vs/gateway/block_ingest.h"
#include "vs/gateway/device_registry.h"
#include "vs/gateway/gateway_tables.h"
#include "vs/gateway/key_value_gateway_state.h"
#include "vs/platform/lmdb_store.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"

namespace vs {
namespace {

using CliRun = testing::CommandResult;
using testing::run_command;

CliRun vitalsign(std::vector<std::string> args) {
  args.insert(args.begin(), VS_VITALSIGN_BINARY);
  return run_command(args);
}

TEST(RegistryCli, EnrolWithACertificateRevokeAndList) {
  testing::TempDir dir;
  std::string keys = (dir.path() / "keys").string();
  std::string store = (dir.path() / "gateway-data").string();
  CliRun keygen = vitalsign({"keygen", "--dir", keys, "--json"});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.output;
  std::string id = keygen.output.substr(keygen.output.find("\"device_id\":\"") + 13, 32);
  std::string pki = (dir.path() / "pki").string();
  std::string other_pki = (dir.path() / "other-pki").string();
  ASSERT_EQ(run_command({"/bin/bash", VS_TEST_PKI_SCRIPT, pki, id, "someone-else"}).exit_code, 0);
  ASSERT_EQ(run_command({"/bin/bash", VS_TEST_PKI_SCRIPT, other_pki, id}).exit_code, 0);
  std::string key = keys + "/device.pub.pem";

  CliRun wrong_cn = vitalsign(
      {"enrol", "--store", store, "--key", key, "--cert", pki + "/someone-else.crt", "--create"});
  EXPECT_EQ(wrong_cn.exit_code, 1);
  EXPECT_NE(wrong_cn.output.find("common name is not the device id"), std::string::npos);
  CliRun wrong_ca = vitalsign({"enrol", "--store", store, "--key", key, "--cert",
                               other_pki + "/" + id + ".crt", "--ca", pki + "/ca.crt"});
  EXPECT_EQ(wrong_ca.exit_code, 1);
  EXPECT_NE(wrong_ca.output.find("not issued by this CA"), std::string::npos);
  CliRun not_a_certificate = vitalsign({"enrol", "--store", store, "--key", key, "--cert", key});
  EXPECT_EQ(not_a_certificate.exit_code, 3);
  EXPECT_NE(not_a_certificate.output.find("not a PEM certificate"), std::string::npos);

  CliRun enrolled = vitalsign({"enrol", "--store", store, "--key", key, "--cert",
                               pki + "/" + id + ".crt", "--ca", pki + "/ca.crt"});
  EXPECT_EQ(enrolled.exit_code, 0) << enrolled.output;
  EXPECT_NE(enrolled.output.find("enrolled device " + id + " with its certificate (CA verified)"),
            std::string::npos);
  CliRun listed = vitalsign({"devices", "--store", store, "--json"});
  EXPECT_NE(listed.output.find("\"device_id\":\"" + id + "\""), std::string::npos);
  EXPECT_NE(listed.output.find("\"revoked\":false,\"equivocated\":false,\"certificate\":true"),
            std::string::npos)
      << listed.output;

  EXPECT_EQ(vitalsign({"revoke", "--store", store, "--device", id}).exit_code, 0);
  EXPECT_NE(vitalsign({"devices", "--store", store}).output.find("revoked,certificate"),
            std::string::npos);
  EXPECT_EQ(vitalsign({"revoke", "--store", store, "--device", std::string(32, '0')}).exit_code, 4);
  EXPECT_EQ(vitalsign({"revoke", "--store", store, "--device", "xyz"}).exit_code, 2);
}

TEST(RegistryCli, AKeysOwnSigningRequestSignedByTheCaEnrolsTheDevice) {
  testing::TempDir dir;
  std::string keys = (dir.path() / "keys").string();
  CliRun keygen = vitalsign({"keygen", "--dir", keys, "--json"});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.output;
  std::string id = keygen.output.substr(keygen.output.find("\"device_id\":\"") + 13, 32);
  std::string csr = (dir.path() / "device.csr").string();
  CliRun request = vitalsign({"csr", "--dir", keys, "--org", "Acme Devices", "--out", csr});
  ASSERT_EQ(request.exit_code, 0) << request.output;
  // OpenSSL checks the request's self-signature and reads its subject.
  CliRun checked =
      run_command({"/usr/bin/openssl", "req", "-in", csr, "-noout", "-verify", "-subject"});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("verify OK"), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("O = Acme Devices, CN = " + id), std::string::npos)
      << checked.output;

  // The CA issues a certificate from it; the registry takes it with the key.
  std::string pki = (dir.path() / "pki").string();
  ASSERT_EQ(run_command({"/bin/bash", VS_TEST_PKI_SCRIPT, pki}).exit_code, 0);
  std::string certificate = (dir.path() / "device.crt").string();
  CliRun issued = run_command({"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA",
                               pki + "/ca.crt", "-CAkey", pki + "/ca.key", "-CAcreateserial",
                               "-days", "2", "-sha256", "-out", certificate});
  ASSERT_EQ(issued.exit_code, 0) << issued.output;
  CliRun enrolled = vitalsign({"enrol", "--store", (dir.path() / "gateway-data").string(), "--key",
                               keys + "/device.pub.pem", "--cert", certificate, "--ca",
                               pki + "/ca.crt", "--create"});
  EXPECT_EQ(enrolled.exit_code, 0) << enrolled.output;
  EXPECT_NE(enrolled.output.find("(CA verified)"), std::string::npos) << enrolled.output;

  EXPECT_EQ(vitalsign({"csr", "--dir", keys, "--name", "absent"}).exit_code, 4);
  EXPECT_EQ(vitalsign({"csr", "--dir", keys, "--org", "A,CN=evil"}).exit_code, 2);
}

TEST(VitalsignCli, EveryVerbAndSubVerbExplainsItself) {
  const std::vector<std::vector<std::string>> verbs = {{"selfcheck"},
                                                       {"keygen"},
                                                       {"csr"},
                                                       {"chain"},
                                                       {"chain", "show"},
                                                       {"chain", "verify"},
                                                       {"enrol"},
                                                       {"revoke"},
                                                       {"devices"},
                                                       {"proof"},
                                                       {"proof", "export"},
                                                       {"verify"},
                                                       {"status"},
                                                       {"fhir"},
                                                       {"fhir", "export"},
                                                       {"access"},
                                                       {"access", "list"},
                                                       {"consent"},
                                                       {"consent", "grant"},
                                                       {"consent", "revoke"},
                                                       {"consent", "subject"}};
  for (std::vector<std::string> verb : verbs) {
    verb.push_back("--help");
    CliRun help = vitalsign(verb);
    std::string said = verb[0] + (verb.size() > 2 ? " " + verb[1] : "");
    EXPECT_EQ(help.exit_code, 0) << said << ": " << help.output;
    EXPECT_NE(help.output.find("usage: vitalsign " + verb[0]), std::string::npos)
        << said << ": " << help.output;
  }
}

TEST(VitalsignCli, VerbsRefuseAStoreOfTheWrongKindOrAMistypedPathAndChangeNothing) {
  testing::TempDir dir;
  std::string agent_store = (dir.path() / "agent-data").string();
  {  // an agent's store, as the agent makes it
    platform::LmdbStoreOptions options;
    options.directory = agent_store;
    options.tables = agent::kAgentTableNames;
    ASSERT_TRUE(platform::LmdbStore::open(options).ok());
  }
  auto gateway_tables_absent = [&] {
    platform::LmdbStoreOptions options;
    options.directory = agent_store;
    options.tables = gateway::kGatewayTableNames;
    options.read_only = true;
    auto opened = platform::LmdbStore::open(options);
    return !opened.ok() && opened.error().code() == ErrorCode::kConflict;
  };
  ASSERT_TRUE(gateway_tables_absent());
  CliRun keygen = vitalsign({"keygen", "--dir", (dir.path() / "keys").string()});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.output;
  std::string key = (dir.path() / "keys" / "device.pub.pem").string();
  const std::string device(32, 'a');
  const std::vector<std::vector<std::string>> gateway_verbs = {
      {"devices", "--store", agent_store},
      {"status", "--store", agent_store},
      {"revoke", "--store", agent_store, "--device", device},
      {"proof", "export", "--store", agent_store, "--device", device, "--seq", "0", "--gateway-key",
       key, "--out", (dir.path() / "proof.json").string()},
      {"fhir", "export", "--store", agent_store, "--device", device, "--out",
       (dir.path() / "bundle.json").string()},
      {"access", "list", "--store", agent_store},
      {"enrol", "--store", agent_store, "--key", key},
  };
  for (const auto& verb : gateway_verbs) {
    CliRun run = vitalsign(verb);
    EXPECT_NE(run.exit_code, 0) << verb[0] << ": " << run.output;
    EXPECT_NE(run.output.find("is not a gateway store"), std::string::npos)
        << verb[0] << ": " << run.output;
    EXPECT_TRUE(gateway_tables_absent()) << verb[0] << " added the gateway's tables";
  }
  CliRun chain_on_gateway = vitalsign({"chain", "show", "--store", agent_store, "--limit", "-1"});
  EXPECT_EQ(chain_on_gateway.exit_code, 2) << chain_on_gateway.output;
  EXPECT_NE(chain_on_gateway.output.find("--limit must be a whole number"), std::string::npos);

  // A mistyped path: an error, and no store appears there.
  std::string mistyped = (dir.path() / "gatway-data").string();
  for (const auto& verb :
       std::vector<std::vector<std::string>>{{"devices", "--store", mistyped},
                                             {"chain", "show", "--store", mistyped},
                                             {"revoke", "--store", mistyped, "--device", device}}) {
    CliRun run = vitalsign(verb);
    EXPECT_EQ(run.exit_code, 4) << verb[0] << ": " << run.output;
    EXPECT_FALSE(std::filesystem::exists(mistyped)) << verb[0] << " made " << mistyped;
  }
  CliRun enrol_mistyped = vitalsign({"enrol", "--store", mistyped, "--key", key});
  EXPECT_EQ(enrol_mistyped.exit_code, 4) << enrol_mistyped.output;
  EXPECT_NE(enrol_mistyped.output.find("no gateway store here"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(mistyped));
  CliRun enrol_on_agent = vitalsign({"enrol", "--store", agent_store, "--key", key, "--create"});
  EXPECT_EQ(enrol_on_agent.exit_code, 3) << enrol_on_agent.output;  // --create makes, never mixes
  EXPECT_TRUE(gateway_tables_absent()) << "--create added the gateway's tables to an agent store";
}

// A verb that may run for minutes shows its progress on a terminal (count,
// share, rate, time left) and writes none of it anywhere else.
TEST(VitalsignCli, ALongVerbShowsProgressOnATerminalAndNothingElsewhere) {
  testing::TempDir dir;
  std::string store_dir = (dir.path() / "agent-data").string();
  {  // an agent's chain of 40 blocks
    platform::LmdbStoreOptions options;
    options.directory = store_dir;
    options.tables = agent::kAgentTableNames;
    auto store = platform::LmdbStore::open(options).value();
    platform::MbedtlsSha256 sha;
    platform::MbedtlsRandom random;
    auto key = platform::MbedtlsSigner::generate().value();
    auto chain = agent::DeviceChain::open(*store, *key, sha, random).value();
    for (std::uint64_t i = 0; i < 40 * 4; ++i) {
      ASSERT_TRUE(chain
                      ->record(proto::Reading{proto::VitalKind::kHeartRate, 70, 0, 0, 0, {}},
                               1'767'225'600'000ULL + i, false)
                      .ok());
      if (chain->pending_entries() == 4) {
        ASSERT_TRUE(chain->seal(1'767'225'600'000ULL + i, proto::SealReason::kCount, 4).ok());
      }
    }
  }
  // On a terminal: stderr is a pseudo-terminal's other end.
  int terminal = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(terminal, 0);
  ASSERT_EQ(::grantpt(terminal), 0);
  ASSERT_EQ(::unlockpt(terminal), 0);
  testing::ChildProcess verify;
  ASSERT_TRUE(verify.start({VS_VITALSIGN_BINARY, "chain", "verify", "--store", store_dir},
                           ::ptsname(terminal)));
  int status = verify.wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << verify.output();
  ::fcntl(terminal, F_SETFL, O_NONBLOCK);
  std::string seen;
  char buffer[4096];
  for (ssize_t got; (got = ::read(terminal, buffer, sizeof buffer)) > 0;)
    seen.append(buffer, static_cast<std::size_t>(got));
  ::close(terminal);
  EXPECT_NE(seen.find("verifying blocks: 40 / 40 (100%), "), std::string::npos) << seen;
  EXPECT_NE(seen.find("/s"), std::string::npos) << seen;
  // Not on a terminal (a pipe here): the same verb, the result and no progress.
  CliRun piped = vitalsign({"chain", "verify", "--store", store_dir});
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find("verifying blocks"), std::string::npos) << piped.output;
  EXPECT_NE(piped.output.find("40 verified"), std::string::npos) << piped.output;
}

}  // namespace
}  // namespace vs
