#include "media/rtp.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sipstorm::media {
namespace {

TEST(Rtp, WritesAndReadsTheFixedHeader) {
    uint8_t buf[32] = {};
    RtpHeader h{true, 8, 0xfffe, 0x12345678, 0xdeadbeef};
    ASSERT_EQ(write_rtp_header(h, buf, sizeof buf), kRtpHeaderBytes);
    EXPECT_EQ(buf[0], 0x80);
    EXPECT_EQ(buf[1], 0x88);
    RtpView v;
    ASSERT_TRUE(parse_rtp(std::span<const uint8_t>(buf, 12 + 5), v));
    EXPECT_TRUE(v.header.marker);
    EXPECT_EQ(v.header.payload_type, 8);
    EXPECT_EQ(v.header.seq, 0xfffe);
    EXPECT_EQ(v.header.timestamp, 0x12345678u);
    EXPECT_EQ(v.header.ssrc, 0xdeadbeefu);
    EXPECT_EQ(v.payload.size(), 5u);
    EXPECT_EQ(write_rtp_header(h, buf, 11), 0u);
}

TEST(Rtp, SkipsCsrcsAndTheExtensionAndDropsPadding) {
    // 2 CSRCs, an extension of 1 word, 3 payload octets, 2 padding octets.
    std::vector<uint8_t> p = {0xb2, 0x00, 0,   1, 0, 0, 0, 2, 0, 0, 0, 3,  // V=2 P X CC=2
                              1,    1,    1,   1, 2, 2, 2, 2,              // CSRCs
                              0xbe, 0xde, 0,   1, 9, 9, 9, 9,              // extension, 1 word
                              'a',  'b',  'c', 0, 2};                      // payload, padding (2)
    RtpView v;
    ASSERT_TRUE(parse_rtp(p, v));
    ASSERT_EQ(v.payload.size(), 3u);
    EXPECT_EQ(v.payload[0], 'a');
    p.back() = 9;  // more padding than there is payload
    EXPECT_FALSE(parse_rtp(p, v));
    p.back() = 2;
    p[0] = 0x42;  // version 1
    EXPECT_FALSE(parse_rtp(p, v));
    EXPECT_FALSE(parse_rtp(std::span<const uint8_t>(p.data(), 11), v));
}

}  // namespace
}  // namespace sipstorm::media
