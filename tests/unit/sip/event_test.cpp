#include "sip/event.hpp"

#include <gtest/gtest.h>

namespace sipstorm::sip {
namespace {

TEST(Event, PackageAndId) {
    Event e;
    ASSERT_EQ(parse_event("presence", e), FieldError::kOk);
    EXPECT_EQ(e.package, "presence");
    EXPECT_FALSE(e.has_id);
    ASSERT_EQ(parse_event("refer;id=93809824 ;foo=\"x\"", e), FieldError::kOk);
    EXPECT_EQ(e.package, "refer");
    EXPECT_TRUE(e.has_id);
    EXPECT_EQ(e.id, "93809824");
    EXPECT_EQ(e.params, ";id=93809824 ;foo=\"x\"");
    ASSERT_EQ(parse_event("presence.winfo", e), FieldError::kOk);
    EXPECT_EQ(e.package, "presence.winfo");
}

TEST(Event, Rejects) {
    Event e;
    EXPECT_EQ(parse_event("", e), FieldError::kEmpty);
    EXPECT_EQ(parse_event(".presence", e), FieldError::kSyntax);
    EXPECT_EQ(parse_event("presence.", e), FieldError::kSyntax);
    EXPECT_EQ(parse_event("a..b", e), FieldError::kSyntax);
    EXPECT_EQ(parse_event("presence x", e), FieldError::kSyntax);
    EXPECT_EQ(parse_event("refer;id", e), FieldError::kBadParam);
    EXPECT_EQ(parse_event("refer;", e), FieldError::kBadParam);
    EXPECT_EQ(parse_event(";id=1", e), FieldError::kSyntax);
}

TEST(SubscriptionState, States) {
    SubscriptionState s;
    ASSERT_EQ(parse_subscription_state("active;expires=3600", s), FieldError::kOk);
    EXPECT_EQ(s.state, SubState::kActive);
    EXPECT_TRUE(s.has_expires);
    EXPECT_EQ(s.expires, 3600u);
    ASSERT_EQ(parse_subscription_state("Pending", s), FieldError::kOk);
    EXPECT_EQ(s.state, SubState::kPending);
    ASSERT_EQ(parse_subscription_state("terminated;reason=timeout;retry-after=30", s), FieldError::kOk);
    EXPECT_EQ(s.state, SubState::kTerminated);
    EXPECT_EQ(s.reason, "timeout");
    EXPECT_TRUE(s.has_retry_after);
    EXPECT_EQ(s.retry_after, 30u);
    ASSERT_EQ(parse_subscription_state("waiting ; x=y", s), FieldError::kOk);
    EXPECT_EQ(s.state, SubState::kOther);
    EXPECT_EQ(s.state_text, "waiting");
}

TEST(SubscriptionState, Rejects) {
    SubscriptionState s;
    EXPECT_EQ(parse_subscription_state("", s), FieldError::kEmpty);
    EXPECT_EQ(parse_subscription_state("active;expires=", s), FieldError::kBadParam);
    EXPECT_EQ(parse_subscription_state("active;expires=-1", s), FieldError::kBadParam);
    EXPECT_EQ(parse_subscription_state("active;expires=4294967296", s), FieldError::kOverflow);
    EXPECT_EQ(parse_subscription_state("terminated;reason", s), FieldError::kBadParam);
    EXPECT_EQ(parse_subscription_state("active garbage", s), FieldError::kSyntax);
}

}  // namespace
}  // namespace sipstorm::sip
