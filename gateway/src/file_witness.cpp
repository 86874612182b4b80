#include "vs/gateway/file_witness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "vs/platform/file_key_store.h"

namespace vs::gateway {
namespace {

// An exclusive lock on the state directory, for one request.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::filesystem::path& directory)
      : fd_(::open((directory / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

std::filesystem::path FileWitness::state_file(const std::string& origin) const {
  return state_dir_ / (to_hex(sha_.digest(as_bytes(origin))) + ".checkpoint");
}

Result<FileWitness::Answer> FileWitness::add_checkpoint(std::string_view request_body,
                                                        std::uint64_t now_s) const {
  VS_TRY_ASSIGN(chain::Witness::Request request, chain::Witness::Request::parse(request_body));
  std::error_code error;
  std::filesystem::create_directories(state_dir_, error);
  if (error)
    return Error(ErrorCode::kIo, "cannot make the witness's state directory", error.value())
        .about(state_dir_.string());
  DirectoryLock lock(state_dir_);
  if (!lock.held())
    return Error(ErrorCode::kIo, "cannot lock the witness's state directory", errno)
        .about(state_dir_.string());

  // The latest checkpoint cosigned for this request's log, if any.
  std::optional<chain::LogCheckpoint> latest;
  if (auto body = chain::LogCheckpoint::parse_unverified(request.checkpoint)) {
    std::filesystem::path file = state_file(body->origin);
    if (std::filesystem::exists(file, error)) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      auto kept = chain::LogCheckpoint::parse_unverified(text.str());
      if (!kept) return std::move(kept).error().about("the witness's state " + file.string());
      latest = std::move(kept).value();
    }
  }
  chain::Witness::Decision decision =
      chain::Witness(sha_, ed25519_).check(request, log_keys_, latest);
  if (decision.refused) return Answer{{}, decision.refused};

  // Kept before the cosignature is handed out.
  const chain::LogCheckpoint& accepted = *decision.accepted;
  VS_TRY(platform::write_key_text_file(state_file(accepted.origin), request.checkpoint, false));
  VS_TRY_ASSIGN(chain::SignedNote note, chain::SignedNote::parse(request.checkpoint));
  VS_TRY_ASSIGN(chain::SignedNote::Signature line, chain::Witness::cosign(key_, note.text, now_s));
  chain::SignedNote lines;
  lines.signatures.push_back(std::move(line));
  std::string serialized = lines.serialize();  // "\n" then the line
  return Answer{serialized.substr(1), std::nullopt};
}

}  // namespace vs::gateway
