#include "media/rtcp.hpp"

#include <gtest/gtest.h>

namespace sipstorm::media {
namespace {

TEST(Rtcp, SenderReportWithABlockAndCname) {
    RtcpOut r;
    r.ssrc = 0x11111111;
    r.sender = true;
    r.ntp = 0x0123456789abcdefull;
    r.rtp_timestamp = 1234;
    r.packets = 50;
    r.octets = 8000;
    r.has_block = true;
    r.block.ssrc = 0x22222222;
    r.block.fraction_lost = 25;
    r.block.cumulative_lost = -3;
    r.block.extended_max_seq = 70000;
    r.block.jitter = 40;
    r.block.lsr = 0xabcd0000;
    r.block.dlsr = 65536;
    uint8_t buf[128];
    const size_t n = write_rtcp(r, buf, sizeof buf);
    ASSERT_EQ(n % 4, 0u);
    EXPECT_EQ(n, 52u + 20u);  // SR with one block, SDES with "sipstorm"
    EXPECT_EQ(buf[0], 0x81);
    EXPECT_EQ(buf[1], 200);

    RtcpIn in;
    ASSERT_TRUE(parse_rtcp(std::span<const uint8_t>(buf, n), 0x22222222, in));
    EXPECT_TRUE(in.has_sr);
    EXPECT_EQ(in.sr_ssrc, 0x11111111u);
    EXPECT_EQ(in.sr_ntp_middle, 0x456789abu);
    ASSERT_TRUE(in.has_block_for_us);
    EXPECT_EQ(in.block.fraction_lost, 25);
    EXPECT_EQ(in.block.cumulative_lost, -3);
    EXPECT_EQ(in.block.extended_max_seq, 70000u);
    EXPECT_EQ(in.block.jitter, 40u);
    EXPECT_EQ(in.block.lsr, 0xabcd0000u);
    ASSERT_TRUE(parse_rtcp(std::span<const uint8_t>(buf, n), 0x33333333, in));
    EXPECT_FALSE(in.has_block_for_us);
    EXPECT_FALSE(parse_rtcp(std::span<const uint8_t>(buf, 7), 0, in));
    EXPECT_EQ(write_rtcp(r, buf, 40), 0u);
}

TEST(Rtcp, RoundTripFromLsrAndDlsr) {
    ReportBlock b;
    b.lsr = 0x00010000;                                         // 1 s
    b.dlsr = 0x00008000;                                        // held 0.5 s by the peer
    EXPECT_NEAR(rtcp_rtt_ms(0x00018000 + 655, b), 10.0, 0.01);  // arrives 1.51 s
    b.lsr = 0;
    EXPECT_LT(rtcp_rtt_ms(1, b), 0);
    const uint64_t t = ntp_now();
    EXPECT_GT(t >> 32, 3'900'000'000u);  // after 2023 in NTP seconds
}

}  // namespace
}  // namespace sipstorm::media
