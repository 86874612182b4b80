#include "vs/agent/seal_policy.h"

#include <gtest/gtest.h>

namespace vs::agent {
namespace {

using std::chrono::milliseconds;
using TimePoint = SealPolicy::TimePoint;

proto::Reading reading(std::uint32_t quality) {
  proto::Reading out;
  out.kind = proto::VitalKind::kHeartRate;
  out.mantissa = 70;
  out.quality = quality;
  return out;
}

TEST(SealPolicy, AFullBlockSealsOnCountAndAnAlarmSealsWhateverIsPending) {
  SealPolicy policy(4, milliseconds(1000), true);
  EXPECT_FALSE(policy.due_on_count(0, true).has_value());  // nothing to seal
  EXPECT_FALSE(policy.due_on_count(3, false).has_value());
  EXPECT_EQ(policy.due_on_count(4, false), proto::SealReason::kCount);
  EXPECT_EQ(policy.due_on_count(1, true), proto::SealReason::kAlarm);
  std::vector<SensorSample> calm{reading(0), proto::Event{}};
  std::vector<SensorSample> alarmed{reading(0), reading(proto::kQualityAlarm)};
  EXPECT_FALSE(policy.alarm_in(calm));
  EXPECT_TRUE(policy.alarm_in(alarmed));
  EXPECT_FALSE(SealPolicy(4, milliseconds(1000), false).alarm_in(alarmed));  // not configured
}

TEST(SealPolicy, TheOldestPendingEntrySetsTheAgeSealAndTheSensorWait) {
  SealPolicy policy(64, milliseconds(1000), true);
  TimePoint start{};
  EXPECT_FALSE(policy.age_due(start + milliseconds(5000)));  // nothing pending
  EXPECT_EQ(policy.wait(milliseconds(100), start), milliseconds(100));
  policy.recorded(0, start);
  policy.recorded(3, start + milliseconds(400));  // later entries keep the first's clock
  EXPECT_EQ(policy.wait(milliseconds(100), start + milliseconds(950)), milliseconds(50));
  EXPECT_EQ(policy.wait(milliseconds(100), start + milliseconds(1200)), milliseconds(0));
  EXPECT_FALSE(policy.age_due(start + milliseconds(999)));
  EXPECT_TRUE(policy.age_due(start + milliseconds(1000)));
  policy.sealed(0, start + milliseconds(1000));
  EXPECT_FALSE(policy.age_due(start + milliseconds(5000)));
  policy.recorded(0, start + milliseconds(6000));
  policy.sealed(2, start + milliseconds(6500));  // a count seal left two: their clock starts now
  EXPECT_FALSE(policy.age_due(start + milliseconds(7400)));
  EXPECT_TRUE(policy.age_due(start + milliseconds(7500)));
}

TEST(SealPolicy, ARefusedSealIsTriedAgainAnAgeLater) {
  SealPolicy policy(64, milliseconds(1000), true);
  TimePoint start{};
  policy.recorded(0, start);
  ASSERT_TRUE(policy.age_due(start + milliseconds(1000)));
  policy.refused(start + milliseconds(1000));
  EXPECT_FALSE(policy.age_due(start + milliseconds(1500)));
  EXPECT_TRUE(policy.age_due(start + milliseconds(2000)));
}

}  // namespace
}  // namespace vs::agent
