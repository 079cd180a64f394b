#include "media/dtmf.hpp"

#include <gtest/gtest.h>

namespace sipstorm::media {
namespace {

TEST(Dtmf, EventCodes) {
    EXPECT_EQ(dtmf_event_of('0'), 0);
    EXPECT_EQ(dtmf_event_of('9'), 9);
    EXPECT_EQ(dtmf_event_of('*'), 10);
    EXPECT_EQ(dtmf_event_of('#'), 11);
    EXPECT_EQ(dtmf_event_of('d'), 15);
    EXPECT_EQ(dtmf_event_of('x'), -1);
    EXPECT_EQ(dtmf_char_of(11), '#');
    EXPECT_EQ(dtmf_char_of(16), '\0');
}

TEST(Dtmf, PayloadRoundTrip) {
    uint8_t b[4];
    ASSERT_EQ(write_telephone_event({11, true, 10, 800}, b, 4), 4u);
    EXPECT_EQ(b[0], 11);
    EXPECT_EQ(b[1], 0x8a);
    TelephoneEvent e;
    ASSERT_TRUE(parse_telephone_event(b, e));
    EXPECT_EQ(e.event, 11);
    EXPECT_TRUE(e.end);
    EXPECT_EQ(e.volume, 10);
    EXPECT_EQ(e.duration, 800);
    EXPECT_FALSE(parse_telephone_event(std::span<const uint8_t>(b, 3), e));
}

TEST(Dtmf, EachEventIsOneDigitWhateverItsRepeats) {
    DtmfCollector c;
    uint32_t ts = 1000;
    for (char d : std::string_view("123#")) {
        const auto ev = static_cast<uint8_t>(dtmf_event_of(d));
        for (uint16_t dur = 160; dur <= 800; dur += 160) c.on_packet({ev, false, 10, dur}, ts);
        for (int i = 0; i < 3; ++i) c.on_packet({ev, true, 10, 800}, ts);  // the end, three times
        ts += 1600;
    }
    EXPECT_EQ(c.digits(), "123#");
}

}  // namespace
}  // namespace sipstorm::media
