#include <gtest/gtest.h>

#include "txn/match.hpp"

namespace sipstorm::txn {
namespace {

using sip::Method;

TEST(Match, MagicCookie) {
    EXPECT_TRUE(has_magic_cookie("z9hG4bK776asdhds"));
    EXPECT_FALSE(has_magic_cookie("776asdhds"));
    EXPECT_FALSE(has_magic_cookie("Z9HG4BK776asdhds"));
    EXPECT_FALSE(has_magic_cookie(""));
}

TEST(Match, SameFieldsSameKey) {
    static_assert(txn_key("z9hG4bKa", "host:5060", Method::kInvite) ==
                  txn_key("z9hG4bKa", "host:5060", Method::kInvite));
    EXPECT_EQ(txn_key("z9hG4bKa", {}, Method::kBye), txn_key("z9hG4bKa", {}, Method::kBye));
}

TEST(Match, AckMatchesTheInviteButCancelDoesNot) {
    const uint64_t invite = txn_key("z9hG4bKa", "10.0.0.1:5060", Method::kInvite);
    EXPECT_EQ(txn_key("z9hG4bKa", "10.0.0.1:5060", Method::kAck), invite);
    EXPECT_NE(txn_key("z9hG4bKa", "10.0.0.1:5060", Method::kCancel), invite);
}

TEST(Match, EveryFieldCounts) {
    const uint64_t k = txn_key("z9hG4bKa", "h:5060", Method::kBye);
    EXPECT_NE(txn_key("z9hG4bKb", "h:5060", Method::kBye), k);
    EXPECT_NE(txn_key("z9hG4bKa", "h:5061", Method::kBye), k);
    EXPECT_NE(txn_key("z9hG4bKa", "h:5060", Method::kOptions), k);
    EXPECT_NE(txn_key("z9hG4bKA", "h:5060", Method::kBye), k);  // branches are case-sensitive
}

TEST(Match, FieldBoundariesCount) {
    EXPECT_NE(txn_key("z9hG4bKab", "c", Method::kBye), txn_key("z9hG4bKa", "bc", Method::kBye));
}

TEST(Match, SentByHostIsCaseInsensitive) {
    EXPECT_EQ(txn_key("z9hG4bKa", "PBX.Example.com:5060", Method::kInvite),
              txn_key("z9hG4bKa", "pbx.example.com:5060", Method::kInvite));
}

TEST(Match, ExtensionMethodsAreTellApartByText) {
    EXPECT_NE(txn_key("z9hG4bKa", {}, Method::kUnknown, "FOO"),
              txn_key("z9hG4bKa", {}, Method::kUnknown, "BAR"));
    // The text is ignored for known methods, so callers may always pass it.
    EXPECT_EQ(txn_key("z9hG4bKa", {}, Method::kBye, "BYE"), txn_key("z9hG4bKa", {}, Method::kBye));
}

}  // namespace
}  // namespace sipstorm::txn
