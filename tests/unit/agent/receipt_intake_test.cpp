#include "vs/agent/receipt_intake.h"

#include <gtest/gtest.h>

#include "fakes/memory_store.h"
#include "test_receipts.h"
#include "vs/platform/mbedtls_random.h"
#include "vs/platform/mbedtls_sha256.h"
#include "vs/platform/mbedtls_signer.h"
#include "vs/platform/mbedtls_verifier.h"
#include "vs/proto/wire_codec.h"

namespace vs::agent {
namespace {

using Outcome = ReceiptIntake::Outcome;

// Two sealed blocks (heights 0 and 1) and a receipt verifier for the gateway's key.
class ReceiptIntakeTest : public ::testing::Test {
 protected:
  ReceiptIntakeTest() {
    chain_ = DeviceChain::open(store_, *device_key_, sha_, random_).value();
    for (std::uint64_t height = 0; height < 2; ++height) {
      proto::Reading reading;
      reading.kind = proto::VitalKind::kHeartRate;
      reading.mantissa = 70;
      EXPECT_TRUE(chain_->record(reading, 1000 + height, true).ok());
      EXPECT_TRUE(chain_->seal(2000 + height, proto::SealReason::kCount, 64).ok());
    }
    gateway_public_ =
        platform::MbedtlsVerifierFactory().make_verifier(gateway_key_->public_key()).value();
    receipts_ = std::make_unique<chain::ReceiptVerifier>(sha_, *gateway_public_,
                                                         gateway_key_->public_key());
  }

  // A receipt for a stored block, as the gateway signs it (or `signer`).
  Bytes receipt(std::uint64_t height, proto::ReceiptState state, std::uint64_t batch_id,
                platform::Signer* signer = nullptr) {
    return vs::testing::single_block_receipt(sha_, *chain_, height, state, batch_id,
                                             signer != nullptr ? *signer : *gateway_key_,
                                             gateway_key_->public_key());
  }

  vs::testing::MemoryStore store_{4};
  platform::MbedtlsSha256 sha_;
  platform::MbedtlsRandom random_;
  std::unique_ptr<platform::MbedtlsSigner> device_key_ =
      platform::MbedtlsSigner::generate().value();
  std::unique_ptr<platform::MbedtlsSigner> gateway_key_ =
      platform::MbedtlsSigner::generate().value();
  std::unique_ptr<platform::Verifier> gateway_public_;
  std::unique_ptr<chain::ReceiptVerifier> receipts_;
  std::unique_ptr<DeviceChain> chain_;
};

TEST_F(ReceiptIntakeTest, AReceiptMovesForwardOnlyAndTheSameOneWritesNothing) {
  ReceiptIntake intake(*chain_, receipts_.get(), sha_);
  auto pending = intake.take(receipt(0, proto::ReceiptState::kPending, 0));
  EXPECT_EQ(pending.outcome, Outcome::kAccepted);
  Bytes anchored = receipt(0, proto::ReceiptState::kAnchored, 7);
  auto taken = intake.take(anchored);
  EXPECT_EQ(taken.outcome, Outcome::kAccepted);
  EXPECT_EQ(taken.height, 0u);
  EXPECT_EQ(taken.batch_id, 7u);
  EXPECT_TRUE(chain_->has_anchored_receipt(0).value());
  int commits = store_.commits();
  EXPECT_EQ(intake.take(anchored).outcome, Outcome::kRepeated);
  EXPECT_EQ(store_.commits(), commits);
  auto older = intake.take(receipt(0, proto::ReceiptState::kPending, 0));
  EXPECT_EQ(older.outcome, Outcome::kStale);
  EXPECT_FALSE(older.reason.empty());
}

TEST_F(ReceiptIntakeTest, WhatFailsACheckIsRefusedWithItsReasonAndNothingIsStored) {
  ReceiptIntake intake(*chain_, receipts_.get(), sha_);
  auto impostor = platform::MbedtlsSigner::generate().value();
  auto forged = intake.take(receipt(1, proto::ReceiptState::kAnchored, 3, impostor.get()));
  EXPECT_EQ(forged.outcome, Outcome::kRejected);
  EXPECT_NE(forged.reason.find("height 1"), std::string::npos);
  Bytes tampered = receipt(1, proto::ReceiptState::kAnchored, 3);
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_EQ(intake.take(tampered).outcome, Outcome::kRejected);
  EXPECT_EQ(intake.take(Bytes{1, 2, 3}).outcome, Outcome::kRejected);
  EXPECT_FALSE(chain_->receipt(1).value().has_value());

  Bytes for_block_one = receipt(1, proto::ReceiptState::kAnchored, 3);
  ReceiptIntake no_key(*chain_, nullptr, sha_);
  auto unconfigured = no_key.take(for_block_one);
  EXPECT_EQ(unconfigured.outcome, Outcome::kRejected);
  EXPECT_NE(unconfigured.reason.find("no gateway public key"), std::string::npos);
}

}  // namespace
}  // namespace vs::agent
