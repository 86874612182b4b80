// The gateway's registry from the command line: a device's signing request,
// enrol with a TLS
// certificate (its CN must be the device id; with --ca, issued by that CA),
// revoke, list.
#include <gtest/gtest.h>

#include "child_process.h"
#include "temp_dir.h"

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

  CliRun wrong_cn =
      vitalsign({"enrol", "--store", store, "--key", key, "--cert", pki + "/someone-else.crt"});
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
  CliRun enrolled =
      vitalsign({"enrol", "--store", (dir.path() / "gateway-data").string(), "--key",
                 keys + "/device.pub.pem", "--cert", certificate, "--ca", pki + "/ca.crt"});
  EXPECT_EQ(enrolled.exit_code, 0) << enrolled.output;
  EXPECT_NE(enrolled.output.find("(CA verified)"), std::string::npos) << enrolled.output;

  EXPECT_EQ(vitalsign({"csr", "--dir", keys, "--name", "absent"}).exit_code, 4);
  EXPECT_EQ(vitalsign({"csr", "--dir", keys, "--org", "A,CN=evil"}).exit_code, 2);
}

}  // namespace
}  // namespace vs
