// Device keys in a PKCS#11 token: a real SoftHSM2 token made for the test
// (softhsm2-util, its own config and token directory), keys generated on
// it, blocks signed by it and verified by the gateway's OpenSSL verifier.
#include "vs/platform/pkcs11_key_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "temp_dir.h"
#include "test_device.h"
#include "vs/chain/block_verifier.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/platform/openssl_sha256.h"
#include "vs/platform/openssl_verifier.h"

namespace vs::platform {
namespace {

class Pkcs11KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "tokens");
    std::ofstream(dir_.path() / "softhsm2.conf")
        << "directories.tokendir = " << (dir_.path() / "tokens").string() << "\n"
        << "objectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", (dir_.path() / "softhsm2.conf").c_str(), 1);
    testing::ChildProcess init;
    ASSERT_TRUE(init.start({VS_SOFTHSM2_UTIL, "--init-token", "--free", "--label", "vs-device",
                            "--pin", "1234", "--so-pin", "5678"},
                           "/dev/stdout"))
        << "cannot run " VS_SOFTHSM2_UTIL " (scripts/setup.sh installs softhsm2)";
    int status = init.wait();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << init.output();
  }

  Pkcs11Options options(std::string pin = "1234") const {
    return {VS_SOFTHSM2_MODULE, "vs-device", std::move(pin)};
  }

  testing::TempDir dir_;
};

TEST_F(Pkcs11KeyStoreTest, AKeyMadeOnTheTokenSignsWhatBothVerifiersAccept) {
  auto store = Pkcs11KeyStore::open(options());
  ASSERT_TRUE(store.ok()) << store.error().message();
  auto signer = (*store)->create("device");
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  OpensslSha256 sha;
  OpensslVerifierFactory openssl;
  MbedtlsVerifierFactory mbedtls;
  auto by_openssl = openssl.make_verifier((*signer)->public_key()).value();
  auto by_mbedtls = mbedtls.make_verifier((*signer)->public_key()).value();
  for (int i = 0; i < 20; ++i) {
    Digest digest = sha.digest(as_bytes("reading " + std::to_string(i)));
    auto signature = (*signer)->sign(digest);
    ASSERT_TRUE(signature.ok()) << signature.error().message();
    EXPECT_TRUE(by_openssl->verify(digest, *signature));
    EXPECT_TRUE(by_mbedtls->verify(digest, *signature));
    Digest other = sha.digest(as_bytes("another reading"));
    EXPECT_FALSE(by_openssl->verify(other, *signature));
  }
  EXPECT_EQ((*store)->create("device").error().code(), ErrorCode::kConflict);
}

TEST_F(Pkcs11KeyStoreTest, TheKeyIsFoundAgainAfterARestartAndSignsAChainTheGatewayVerifies) {
  Bytes created_key;
  {
    auto store = Pkcs11KeyStore::open(options()).value();
    auto created = store->create("device").value();
    created_key.assign(created->public_key().begin(), created->public_key().end());
  }  // the session closes, the module is finalised: as at a device's restart
  auto store = Pkcs11KeyStore::open(options()).value();
  auto signer = store->load("device");
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(Bytes((*signer)->public_key().begin(), (*signer)->public_key().end()), created_key);
  EXPECT_EQ(store->public_key("device").value(), created_key);
  testing::TestDevice device(std::move(signer).value());
  auto block = device.seal_next(8);
  OpensslSha256 sha;
  auto key = OpensslVerifierFactory().make_verifier(device.public_key()).value();
  auto verified = chain::BlockVerifier(sha).verify(ByteView(block.encoded), device.id(), *key);
  EXPECT_TRUE(verified.ok()) << verified.error().message();
}

TEST_F(Pkcs11KeyStoreTest, AWrongPinAnUnknownTokenOrModuleAndAMissingKeyAreNamed) {
  auto wrong_pin = Pkcs11KeyStore::open(options("9999"));
  ASSERT_FALSE(wrong_pin.ok());
  EXPECT_EQ(wrong_pin.error().code(), ErrorCode::kPermission);
  Pkcs11Options other = options();
  other.token_label = "no-such-token";
  auto no_token = Pkcs11KeyStore::open(other);
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_token.error().message().find("no-such-token"), std::string::npos);
  other = options();
  other.module = dir_.path() / "absent.so";
  EXPECT_EQ(Pkcs11KeyStore::open(other).error().code(), ErrorCode::kNotFound);
  auto store = Pkcs11KeyStore::open(options()).value();
  EXPECT_EQ(store->load("absent").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->public_key("absent").error().code(), ErrorCode::kNotFound);
}

TEST_F(Pkcs11KeyStoreTest, TheAgentSignsItsChainWithATokenKeyMadeByKeygen) {
  std::filesystem::path pin = dir_.path() / "pin";
  std::ofstream(pin) << "1234\n";
  std::filesystem::permissions(
      pin, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  testing::ChildProcess keygen;
  ASSERT_TRUE(keygen.start(
      {VS_VITALSIGN_BINARY, "keygen", "--pkcs11-module", VS_SOFTHSM2_MODULE, "--token", "vs-device",
       "--pin-file", pin.string(), "--dir", (dir_.path() / "keys").string(), "--json"},
      "/dev/stdout"));
  ASSERT_EQ(keygen.wait(), 0) << keygen.output();
  std::string id = keygen.output().substr(keygen.output().find("\"device_id\":\"") + 13, 32);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "keys" / "device.pub.pem"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "keys" / "device.key.pem"));

  std::ofstream(dir_.path() / "agent.toml")
      << "board = \"sim\"\n[store]\ndata_dir = \"" << (dir_.path() / "data").string()
      << "\"\n[seal]\nmax_entries = 16\n[sim]\nspeed = 0\nwaveform = \"none\"\n"
      << "key_store = \"pkcs11\"\npkcs11_module = \"" << VS_SOFTHSM2_MODULE << "\"\n"
      << "pkcs11_token = \"vs-device\"\npkcs11_pin_file = \"" << pin.string() << "\"\n";
  testing::ChildProcess agent;
  ASSERT_TRUE(agent.start({VS_AGENT_BINARY, "--config", (dir_.path() / "agent.toml").string()},
                          "/dev/stdout"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  agent.kill_and_wait(SIGTERM);
  testing::ChildProcess verify;
  ASSERT_TRUE(verify.start({VS_VITALSIGN_BINARY, "chain", "verify", "--store",
                            (dir_.path() / "data").string(), "--json"},
                           "/dev/stdout"));
  EXPECT_EQ(verify.wait(), 0) << verify.output() << agent.output();
  EXPECT_NE(verify.output().find("\"device_id\":\"" + id + "\",\"ok\":true"), std::string::npos)
      << verify.output();
}

}  // namespace
}  // namespace vs::platform
