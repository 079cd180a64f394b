#include "media/sdp.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace sipstorm::media {
namespace {

std::string body_of(const char* file) {
    std::ifstream in(std::string(SIPSTORM_SHARED_DIR) + "/conformance/rfc5118/" + file, std::ios::binary);
    std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const size_t b = s.find("\r\n\r\n");
    return b == std::string::npos ? std::string() : s.substr(b + 4);
}

TEST(Sdp, ATypicalOfferWithTelephoneEvents) {
    const std::string body =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
        "m=audio 49170 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\na=ptime:30\r\na=sendonly\r\na=ssrc:305419896 cname:x\r\n";
    SdpAudio a;
    ASSERT_TRUE(parse_sdp_audio(body, a));
    EXPECT_EQ(a.address, "192.0.2.5");
    EXPECT_FALSE(a.ipv6);
    EXPECT_EQ(a.port, 49170);
    ASSERT_EQ(a.format_count, 3);
    EXPECT_EQ(a.formats[2], 101);
    EXPECT_EQ(a.telephone_event_pt, 101);
    EXPECT_EQ(a.ptime_ms, 30u);
    EXPECT_EQ(a.direction, Direction::kSendOnly);
    EXPECT_TRUE(a.has_ssrc);
    EXPECT_EQ(a.ssrc, 305419896u);
    EXPECT_EQ(a.encoding_of(0), "PCMU");  // static, no rtpmap needed
    EXPECT_EQ(choose_codec(a), 8);        // the offer's order decides
}

TEST(Sdp, Rfc5118MediaAddresses) {
    SdpAudio a;
    // 4.6: the session-level c= in IPv6, no brackets.
    const std::string v6 = body_of("ipv6-in-sdp.dat");  // SdpAudio holds views into the body
    ASSERT_TRUE(parse_sdp_audio(v6, a));
    EXPECT_EQ(a.address, "2001:db8::20");
    EXPECT_TRUE(a.ipv6);
    EXPECT_EQ(a.port, 6000);
    EXPECT_EQ(choose_codec(a), -1);  // G726-32 only
    // 4.8: the audio stream has its own IPv4 c=, the video stream an IPv6 one.
    const std::string mult = body_of("mult-ip-in-sdp.dat");
    ASSERT_TRUE(parse_sdp_audio(mult, a));
    EXPECT_EQ(a.address, "192.0.2.1");
    EXPECT_FALSE(a.ipv6);
    EXPECT_EQ(a.port, 22334);
    EXPECT_EQ(choose_codec(a), 0);
}

TEST(Sdp, NoAudioOrNoAddress) {
    SdpAudio a;
    EXPECT_FALSE(parse_sdp_audio("v=0\r\nm=video 5000 RTP/AVP 31\r\nc=IN IP4 192.0.2.1\r\n", a));
    EXPECT_FALSE(parse_sdp_audio("v=0\r\nm=audio 5000 RTP/AVP 0\r\n", a));
    EXPECT_FALSE(parse_sdp_audio("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio x RTP/AVP 0\r\n", a));
}

}  // namespace
}  // namespace sipstorm::media
