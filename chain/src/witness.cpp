#include "vs/chain/witness.h"

#include "vs/chain/merkle.h"

namespace vs::chain {
namespace {

Witness::Decision refuse(int status, std::string reason, std::uint64_t latest_size = 0) {
  return {std::nullopt, Witness::Refusal{status, std::move(reason), latest_size}};
}

Result<std::uint64_t> parse_size(std::string_view text) {
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos ||
      (text.size() > 1 && text[0] == '0'))
    return Error(ErrorCode::kMalformed, "the old size is not a decimal number");
  return std::stoull(std::string(text));
}

}  // namespace

Result<Witness::Request> Witness::Request::parse(std::string_view body) {
  if (body.size() > SignedNote::kMaxBytes + 64 * 46)
    return Error(ErrorCode::kMalformed, "a witness request is too large");
  Request request;
  std::size_t end = body.find('\n');
  if (end == std::string_view::npos || body.substr(0, 4) != "old ")
    return Error(ErrorCode::kMalformed, "a witness request starts with \"old <size>\"");
  VS_TRY_ASSIGN(request.old_size, parse_size(body.substr(4, end - 4)));
  body.remove_prefix(end + 1);
  for (;;) {
    end = body.find('\n');
    if (end == std::string_view::npos)
      return Error(ErrorCode::kMalformed,
                   "a witness request has no empty line before its checkpoint");
    std::string_view line = body.substr(0, end);
    body.remove_prefix(end + 1);
    if (line.empty()) break;
    if (request.proof.size() == 63)
      return Error(ErrorCode::kMalformed, "a witness request has more than 63 proof lines");
    auto hash = from_base64(line);
    if (!hash || hash->size() != 32)
      return Error(ErrorCode::kMalformed, "a consistency proof line is not a base64 hash");
    request.proof.push_back(to_array<32>(*hash, "").value());
  }
  request.checkpoint = std::string(body);
  return request;
}

std::string Witness::Request::serialize() const {
  std::string out = "old " + std::to_string(old_size) + "\n";
  for (const Digest& hash : proof) out += to_base64(hash) + "\n";
  return out + "\n" + checkpoint;
}

Witness::Decision Witness::check(const Request& request, std::span<const NoteVerifierKey> log_keys,
                                 const std::optional<LogCheckpoint>& latest) const {
  auto note = SignedNote::parse(request.checkpoint);
  if (!note) return refuse(403, "the checkpoint is not a signed note: " + note.error().message());
  auto body = LogCheckpoint::parse_body(note->text);
  if (!body) return refuse(403, "not a checkpoint: " + body.error().message());
  const NoteVerifierKey* log_key = nullptr;
  for (const NoteVerifierKey& key : log_keys)
    if (key.name == body->origin && key.type == NoteKeyType::kEd25519) log_key = &key;
  if (log_key == nullptr)
    return refuse(404, "this witness does not follow the log " + body->origin);
  auto checkpoint = LogCheckpoint::verify(request.checkpoint, ed25519_, *log_key);
  if (!checkpoint) return refuse(403, checkpoint.error().message());
  if (request.old_size > checkpoint->size)
    return refuse(400, "the old size is above the checkpoint's size");
  std::uint64_t latest_size = latest ? latest->size : 0;
  if (request.old_size != latest_size)
    return refuse(409,
                  "the old size is not the size of the latest checkpoint this witness cosigned",
                  latest_size);
  Merkle merkle(sha_);
  if (request.old_size == 0) {
    if (!request.proof.empty()) return refuse(422, "a proof from the empty tree must be empty");
    if (checkpoint->size == 0 && checkpoint->root != sha_.digest({}))
      return refuse(422, "a checkpoint of size 0 must have the empty tree's root");
  } else if (request.old_size == checkpoint->size) {
    if (checkpoint->root != latest->root)
      return refuse(422, "split view: the log signed another tree of size " +
                             std::to_string(checkpoint->size) +
                             " than the one this witness cosigned");
    if (!request.proof.empty()) return refuse(422, "a proof between equal sizes must be empty");
  } else {
    Status consistent = merkle.verify_consistency(request.old_size, checkpoint->size, latest->root,
                                                  checkpoint->root, request.proof);
    if (!consistent)
      return refuse(422,
                    "the checkpoint does not extend the one this witness cosigned (split "
                    "view or bad proof): " +
                        consistent.error().message());
  }
  return {std::move(checkpoint).value(), std::nullopt};
}

std::string Witness::cosigned_message(std::string_view checkpoint_text, std::uint64_t timestamp_s) {
  return "cosignature/v1\ntime " + std::to_string(timestamp_s) + "\n" +
         std::string(checkpoint_text);
}

Result<SignedNote::Signature> Witness::cosign(const NoteSignerKey& witness_key,
                                              std::string_view checkpoint_text,
                                              std::uint64_t timestamp_s) {
  if (witness_key.type != NoteKeyType::kCosignature)
    return Error(ErrorCode::kInvalidArgument,
                 "a witness signs with a cosignature key (note key type 0x04)")
        .about(witness_key.name);
  VS_TRY_ASSIGN(Bytes signature,
                witness_key.signer->sign(as_bytes(cosigned_message(checkpoint_text, timestamp_s))));
  Bytes bytes(8);
  put_u64_be(timestamp_s, bytes.data());
  bytes.insert(bytes.end(), signature.begin(), signature.end());
  return SignedNote::Signature{witness_key.name, witness_key.verifier.id, std::move(bytes)};
}

Result<std::size_t> Witness::count_cosigned(const SignedNote& note,
                                            std::span<const NoteVerifierKey> witness_keys,
                                            const platform::Ed25519& ed25519) {
  std::size_t cosigned = 0;
  for (const NoteVerifierKey& key : witness_keys) {
    if (key.type != NoteKeyType::kCosignature)
      return Error(ErrorCode::kInvalidArgument, "a witness key is a cosignature key (type 0x04)")
          .about(key.name);
    const SignedNote::Signature* line = note.signed_by(key);
    if (line == nullptr) continue;
    if (line->bytes.size() != 8 + 64)
      return Error(ErrorCode::kIntegrity, "a cosignature is not a timestamp and a signature")
          .about(key.name);
    std::uint64_t timestamp = get_u64_be(line->bytes.data());
    if (timestamp > (std::uint64_t{1} << 63) - 1 ||
        !ed25519.verify(key.public_key, as_bytes(cosigned_message(note.text, timestamp)),
                        ByteView(line->bytes).subspan(8)))
      return Error(ErrorCode::kIntegrity, "a cosignature does not verify with the witness key")
          .about(key.name);
    ++cosigned;
  }
  return cosigned;
}

}  // namespace vs::chain
