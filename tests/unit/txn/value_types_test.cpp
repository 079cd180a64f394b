// The call engine embeds one client and one server transaction (and the 2xx retransmitter) in every
// call, copies call slots around and zero-fills them: keep them small, trivially copyable values.
#include <gtest/gtest.h>

#include <type_traits>

#include "txn/client_txn.hpp"
#include "txn/server_txn.hpp"
#include "txn/uas_2xx_retransmit.hpp"

namespace sipstorm::txn {
namespace {

template <class T>
void expect_small_value() {
    EXPECT_LE(sizeof(T), 32u);
    EXPECT_TRUE(std::is_trivially_copyable_v<T>);
    EXPECT_TRUE(std::is_trivially_destructible_v<T>);
}

TEST(ValueTypes, AtMost32BytesAndTriviallyCopyable) {
    expect_small_value<ClientTxn>();
    expect_small_value<ServerTxn>();
    expect_small_value<Uas2xxRetransmit>();
    RecordProperty("sizeof_ClientTxn", static_cast<int>(sizeof(ClientTxn)));
    RecordProperty("sizeof_ServerTxn", static_cast<int>(sizeof(ServerTxn)));
    RecordProperty("sizeof_Uas2xxRetransmit", static_cast<int>(sizeof(Uas2xxRetransmit)));
}

TEST(ValueTypes, OutcomeFitsTwoRegisters) {
    EXPECT_LE(sizeof(Outcome), 16u);
}

TEST(Reason, FailureTexts) {
    EXPECT_STREQ(reason(TimerId::kB), "timeout (Timer B)");
    EXPECT_STREQ(reason(TimerId::kF), "timeout (Timer F)");
    EXPECT_STREQ(reason(TimerId::kH), "no ACK (Timer H)");
    EXPECT_STREQ(reason(TimerId::k2xx), "no ACK for 2xx");
    EXPECT_EQ(reason(TimerId::kD), nullptr);
    EXPECT_EQ(reason(Outcome{0, kDeliver, TimerId::kNone}), nullptr);
    EXPECT_STREQ(reason(Outcome{0, kTransportError | kTerminated, TimerId::kNone}), "transport error");
    EXPECT_STREQ(state_name(State::kConfirmed), "Confirmed");
}

}  // namespace
}  // namespace sipstorm::txn
