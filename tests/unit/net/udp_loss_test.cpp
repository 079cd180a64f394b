// --loss fault injection: exact at 0% and 100%, about right and repeatable in between.
#include <gtest/gtest.h>

#include <chrono>

#include "net/loss.hpp"
#include "net/udp_transport.hpp"
#include "udp_test_util.hpp"

namespace sipstorm::net {
namespace {

using test::loopback;
using test::open_or_fail;

constexpr uint32_t kCount = 2000;

struct Outcome {
    uint64_t received = 0, dropped_tx = 0, dropped_rx = 0;
};

// Sends in batches and drains after each, so the receive queue never overflows and every missing
// datagram is one the injector took.
Outcome run(double tx_loss, double rx_loss, uint64_t seed) {
    UdpOptions opt;
    opt.local = loopback();
    opt.loss_seed = seed;
    opt.loss_percent = tx_loss;
    auto tx = open_or_fail(opt);
    opt.loss_percent = rx_loss;
    auto rx = open_or_fail(opt);
    if (!tx || !rx) return {};
    Outcome o;
    for (uint32_t seq = 0; seq < kCount;) {
        for (uint32_t i = 0; i < 64 && seq < kCount; ++i, ++seq)
            test::send_one(*tx, rx->local_address(), seq, 200);
        tx->flush();
        // Every datagram that left is either delivered or taken by the RX injector: wait for that.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (rx->stats().rx_packets + rx->stats().loss_dropped_rx < tx->stats().tx_packets &&
               std::chrono::steady_clock::now() < deadline) {
            o.received += rx->poll(10'000).size();
        }
    }
    EXPECT_EQ(rx->stats().rx_drops_kernel, 0u);
    EXPECT_EQ(tx->stats().tx_packets + tx->stats().loss_dropped_tx, kCount);
    EXPECT_EQ(rx->stats().rx_packets, o.received);
    o.dropped_tx = tx->stats().loss_dropped_tx;
    o.dropped_rx = rx->stats().loss_dropped_rx;
    EXPECT_EQ(o.received + o.dropped_rx, tx->stats().tx_packets);
    return o;
}

TEST(UdpLoss, ZeroPercentDropsNothing) {
    const Outcome o = run(0, 0, 1);
    EXPECT_EQ(o.received, kCount);
    EXPECT_EQ(o.dropped_tx + o.dropped_rx, 0u);
}

TEST(UdpLoss, HundredPercentOnTxDropsAll) {
    const Outcome o = run(100, 0, 1);
    EXPECT_EQ(o.received, 0u);
    EXPECT_EQ(o.dropped_tx, kCount);
}

TEST(UdpLoss, HundredPercentOnRxDropsAll) {
    const Outcome o = run(0, 100, 1);
    EXPECT_EQ(o.received, 0u);
    EXPECT_EQ(o.dropped_rx, kCount);
}

TEST(UdpLoss, HalfDropsAboutHalfOnEachSideAndRepeats) {
    const Outcome tx_side = run(50, 0, 42);
    EXPECT_NEAR(static_cast<double>(tx_side.dropped_tx), kCount / 2.0, kCount * 0.05);
    const Outcome rx_side = run(0, 50, 42);
    EXPECT_NEAR(static_cast<double>(rx_side.dropped_rx), kCount / 2.0, kCount * 0.05);
    const Outcome again = run(50, 0, 42);
    EXPECT_EQ(again.dropped_tx, tx_side.dropped_tx) << "same seed, same drops";
}

TEST(LossInjector, SeedsDecideTheSequence) {
    LossInjector a(30, 7), b(30, 7), c(30, 8);
    int same = 0, differ = 0, dropped = 0;
    for (int i = 0; i < 10000; ++i) {
        const bool da = a.drop();
        EXPECT_EQ(da, b.drop());
        (da == c.drop() ? same : differ)++;
        dropped += da;
    }
    EXPECT_GT(differ, 1000);
    EXPECT_NEAR(dropped, 3000, 250);
    EXPECT_FALSE(LossInjector(0, 1).active());
}

}  // namespace
}  // namespace sipstorm::net
