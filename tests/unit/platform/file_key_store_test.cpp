#include "vs/platform/file_key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::platform {
namespace {

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 0777;
}

TEST(FileKeyStore, CreatesAPrivateKeyOnlyTheOwnerCanRead) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path() / "keys");
  auto signer = store.create("device");
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(mode_of(store.private_key_path("device")), 0600u);
  EXPECT_EQ(mode_of(store.public_key_path("device")), 0644u);
}

TEST(FileKeyStore, ASymlinkAtTheTempNameIsNotWrittenThrough) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path() / "keys");
  std::filesystem::create_directories(dir.path() / "keys");
  std::ofstream(dir.path() / "victim") << "untouched";
  ::chmod((dir.path() / "victim").c_str(), 0644);
  std::filesystem::create_symlink(dir.path() / "victim",
                                  store.private_key_path("device").string() + ".tmp");
  ASSERT_TRUE(store.create("device").ok());
  std::ifstream victim(dir.path() / "victim");
  std::string text((std::istreambuf_iterator<char>(victim)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "untouched");
  EXPECT_EQ(mode_of(dir.path() / "victim"), 0644u);
  EXPECT_EQ(mode_of(store.private_key_path("device")), 0600u);
  EXPECT_TRUE(store.load("device").ok());
}

TEST(FileKeyStore, LoadsTheSameKeyBack) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path());
  auto created = store.create("device").value();
  auto loaded = store.load("device");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_TRUE(equal((*loaded)->public_key(), created->public_key()));
  EXPECT_EQ(store.public_key("device").value(),
            Bytes(created->public_key().begin(), created->public_key().end()));

  MbedtlsSha256 sha;
  Digest digest = sha.digest(as_bytes("temperature 36.8 Cel"));
  auto verifier = OpensslVerifierFactory().make_verifier(created->public_key()).value();
  EXPECT_TRUE(verifier->verify(digest, (*loaded)->sign(digest).value()).ok());
}

TEST(FileKeyStore, RefusesToOverwriteAKey) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path());
  ASSERT_TRUE(store.create("device").ok());
  auto again = store.create("device");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
}

TEST(FileKeyStore, RefusesAWorldReadablePrivateKey) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path());
  ASSERT_TRUE(store.create("device").ok());
  ::chmod(store.private_key_path("device").c_str(), 0644);
  auto loaded = store.load("device");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kPermission);
  EXPECT_NE(loaded.error().message().find("device.key.pem"), std::string::npos);
  EXPECT_NE(loaded.error().message().find("chmod 600"), std::string::npos);
  ::chmod(store.private_key_path("device").c_str(), 0640);
  EXPECT_EQ(store.load("device").error().code(), ErrorCode::kPermission);
}

TEST(FileKeyStore, MissingCorruptAndBadlyNamedKeys) {
  vs::testing::TempDir dir;
  FileKeyStore store(dir.path());
  EXPECT_EQ(store.load("absent").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store.load("../escape").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store.create("").error().code(), ErrorCode::kInvalidArgument);
  {
    std::ofstream corrupt(store.private_key_path("corrupt"));
    corrupt << "-----BEGIN EC PRIVATE KEY-----\nnot base64\n-----END EC PRIVATE KEY-----\n";
  }
  ::chmod(store.private_key_path("corrupt").c_str(), 0600);
  auto loaded = store.load("corrupt");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(loaded.error().message().find("corrupt.key.pem"), std::string::npos);
}

}  // namespace
}  // namespace vs::platform
