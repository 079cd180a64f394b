#include "media/receiver_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sipstorm::media {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(ReceiverStats, InOrderStreamLosesNothing) {
    ReceiverStats r;
    for (uint32_t i = 0; i < 1000; ++i) r.on_packet(static_cast<uint16_t>(100 + i), i * 160, i * 20 * kMs);
    EXPECT_TRUE(r.valid());
    EXPECT_EQ(r.expected(), 1000u);
    EXPECT_EQ(r.received(), 1000u);
    EXPECT_EQ(r.lost(), 0);
    EXPECT_DOUBLE_EQ(r.jitter_ms(), 0.0);
}

TEST(ReceiverStats, LossIsExactAcrossTheSequenceWrap) {
    ReceiverStats r;
    uint32_t sent = 0, dropped = 0;
    for (uint32_t i = 0; i < 5000; ++i) {
        const auto seq = static_cast<uint16_t>(65000 + i);  // wraps after 536 packets
        ++sent;
        if (i > 2 && i % 10 == 3) {
            ++dropped;
            continue;
        }
        r.on_packet(seq, i * 160, i * 20 * kMs);
    }
    EXPECT_EQ(r.expected(), sent);
    EXPECT_EQ(r.lost(), static_cast<int64_t>(dropped));
    EXPECT_NEAR(r.loss_fraction(), 0.1, 0.001);
    EXPECT_EQ(r.extended_max_seq(), 65000u + 4999u);
}

TEST(ReceiverStats, LastPacketsLostCountAsLostOnlyOnceAfterThem) {
    ReceiverStats r;
    for (uint32_t i = 0; i < 10; ++i) r.on_packet(static_cast<uint16_t>(i), i * 160, i * 20 * kMs);
    r.on_packet(15, 15 * 160, 15 * 20 * kMs);  // 10..14 lost
    EXPECT_EQ(r.expected(), 16u);
    EXPECT_EQ(r.lost(), 5);
}

TEST(ReceiverStats, DuplicatesAndReorderedPackets) {
    ReceiverStats r;
    const uint16_t order[] = {1, 2, 3, 5, 4, 6, 6, 3, 7};
    for (uint16_t s : order) r.on_packet(s, s * 160u, s * 20 * kMs);
    EXPECT_EQ(r.duplicates(), 2u);  // 6 again, 3 again
    EXPECT_EQ(r.reordered(), 1u);   // 4 after 5
    EXPECT_EQ(r.expected(), 7u);
    EXPECT_EQ(r.lost(), 0);
}

TEST(ReceiverStats, JitterFollowsRfc3550) {
    // Packets every 20 ms of media, arriving 0, +5, -3, +5, -3 ... ms off their slot.
    ReceiverStats r;
    double ref = 0, prev_transit = 0;
    for (uint32_t i = 0; i < 500; ++i) {
        const double off_ms = i == 0 ? 0 : (i % 2 ? 5.0 : -3.0);
        const double arrival_ms = i * 20.0 + off_ms + 100;
        r.on_packet(static_cast<uint16_t>(i), i * 160, static_cast<uint64_t>(arrival_ms * kMs));
        const double transit = arrival_ms * 8 - i * 160.0;  // RTP units
        if (i > 0) ref += (std::abs(transit - prev_transit) - ref) / 16;
        prev_transit = transit;
    }
    EXPECT_NEAR(r.jitter_ms(), ref / 8.0, ref / 8.0 * 0.02);
    EXPECT_NEAR(r.jitter_ms(), 8.0, 0.3);  // |D| is 8 ms every packet
    EXPECT_GE(r.jitter_max_ms(), r.jitter_ms());
}

TEST(ReceiverStats, EventPacketsCountForLossButNotForJitter) {
    ReceiverStats r;
    for (uint32_t i = 0; i < 100; ++i) {
        const bool event = i >= 40 && i < 48;  // a DTMF event: one timestamp for all its packets
        r.on_packet(static_cast<uint16_t>(i), event ? 40 * 160 : i * 160, i * 20 * kMs, !event);
    }
    EXPECT_EQ(r.expected(), 100u);
    EXPECT_EQ(r.lost(), 0);
    EXPECT_DOUBLE_EQ(r.jitter_ms(), 0.0);
}

TEST(ReceiverStats, AStrayPacketIsNotAStream) {
    ReceiverStats r;
    EXPECT_FALSE(r.on_packet(7, 0, 0));
    EXPECT_FALSE(r.valid());
    EXPECT_EQ(r.expected(), 0u);
}

}  // namespace
}  // namespace sipstorm::media
