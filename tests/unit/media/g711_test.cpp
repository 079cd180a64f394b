#include "media/g711.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sipstorm::media {
namespace {

TEST(G711, SilenceAndTheCodeWordsOfZero) {
    EXPECT_EQ(linear_to_ulaw(0), 0xff);
    EXPECT_EQ(ulaw_to_linear(0xff), 0);
    EXPECT_EQ(linear_to_alaw(0), 0xd5);
    EXPECT_EQ(alaw_to_linear(0xd5), 8);      // A-law has no zero: the smallest positive step
    EXPECT_EQ(ulaw_to_linear(0x80), 32124);  // the largest magnitudes
    EXPECT_EQ(ulaw_to_linear(0x00), -32124);
    EXPECT_EQ(alaw_to_linear(0xaa), 32256);
}

TEST(G711, EveryCodeWordDecodesToAValueThatEncodesBackToIt) {
    for (int c = 0; c < 256; ++c) {
        const auto u = static_cast<uint8_t>(c);
        // mu-law has two code words for zero (0x7f and 0xff); each decodes to 0, which encodes as 0xff.
        if (u != 0x7f) {
            EXPECT_EQ(linear_to_ulaw(ulaw_to_linear(u)), u) << c;
        }
        EXPECT_EQ(linear_to_alaw(alaw_to_linear(u)), u) << c;
    }
}

TEST(G711, QuantisationErrorIsWithinTheSegmentStep) {
    for (int x = -32768; x <= 32767; x += 7) {
        const auto s = static_cast<int16_t>(x);
        const int bound = std::abs(x) / 16 + 72;  // half a step of the segment, plus the clip region
        EXPECT_LE(std::abs(ulaw_to_linear(linear_to_ulaw(s)) - x), std::max(bound, std::abs(x) - 32124 + 72))
            << x;
        EXPECT_LE(std::abs(alaw_to_linear(linear_to_alaw(s)) - x), std::max(bound, std::abs(x) - 32256 + 72))
            << x;
    }
}

}  // namespace
}  // namespace sipstorm::media
