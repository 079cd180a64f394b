// serialize(): a parsed message written back parses to the same thing; edited header lists and
// short buffers behave as documented.
#include "sip/serialize.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sip/parser.hpp"

namespace sipstorm::sip {
namespace {

std::string to_text(const MessageView& m) {
    std::string out(serialized_size(m), '\0');
    EXPECT_EQ(serialize(m, out.data(), out.size()), out.size());
    return out;
}

void expect_same(const MessageView& a, const MessageView& b) {
    EXPECT_EQ(a.is_request, b.is_request);
    EXPECT_EQ(a.method_text, b.method_text);
    EXPECT_EQ(a.request_uri, b.request_uri);
    EXPECT_EQ(a.status_code, b.status_code);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.version, b.version);
    ASSERT_EQ(a.header_count, b.header_count);
    for (uint16_t i = 0; i < a.header_count; ++i) {
        EXPECT_EQ(a.headers[i].name, b.headers[i].name);
        EXPECT_EQ(a.headers[i].value, b.headers[i].value);
        EXPECT_EQ(a.headers[i].id, b.headers[i].id);
    }
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.body, b.body);
}

TEST(Serialize, CanonicalMessageIsByteExact) {
    const std::string in =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nl: 5\r\nX-Empty: \r\n\r\nhello";
    MessageView m;
    ASSERT_TRUE(parse(in, m).ok());
    EXPECT_EQ(to_text(m), in);
}

TEST(Serialize, OddWhitespaceRoundTrips) {
    const std::string in =
        "\r\nINVITE sip:x SIP/2.0\nTO :\r\n sip:y ;tag=1\nVia  : SIP/2.0/UDP\r\n\th\r\ns :\r\nl: "
        "3\n\nabcTRAILING";
    MessageView m;
    ASSERT_TRUE(parse(in, m).ok());
    const std::string out = to_text(m);
    EXPECT_EQ(
        out, "INVITE sip:x SIP/2.0\r\nTO: sip:y ;tag=1\r\nVia: SIP/2.0/UDP\r\n\th\r\ns: \r\nl: 3\r\n\r\nabc");
    MessageView again;
    ASSERT_TRUE(parse(out, again).ok());
    expect_same(m, again);
    EXPECT_EQ(again.size, out.size());
}

TEST(Serialize, TooSmallWritesNothing) {
    MessageView m;
    ASSERT_TRUE(parse("OPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n", m).ok());
    std::string out(serialized_size(m) - 1, '#');
    EXPECT_EQ(serialize(m, out.data(), out.size()), 0u);
    EXPECT_EQ(out, std::string(out.size(), '#'));
}

TEST(Serialize, EditedHeaderList) {
    const std::string in =
        "BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n";
    MessageView m;
    ASSERT_TRUE(parse(in, m).ok());
    // A proxy pushes its Via and decrements Max-Forwards.
    std::vector<Header> hs(m.headers.begin(), m.headers.begin() + m.header_count);
    hs.insert(hs.begin(), Header{"Via", "SIP/2.0/UDP proxy;branch=z9hG4bK2", HeaderId::kVia});
    hs[2].value = "69";
    std::string out(serialized_size(m, hs, m.body), '\0');
    ASSERT_EQ(serialize(m, hs, m.body, out.data(), out.size()), out.size());
    EXPECT_EQ(out,
              "BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP proxy;branch=z9hG4bK2\r\nVia: SIP/2.0/UDP "
              "a;branch=z9hG4bK1\r\n"
              "Max-Forwards: 69\r\nl: 0\r\n\r\n");
}

TEST(Serialize, StatusCodesAndEmptyReason) {
    MessageView m;
    ASSERT_TRUE(parse("SIP/2.0 100 \r\n\r\n", m).ok());
    EXPECT_EQ(to_text(m), "SIP/2.0 100 \r\n\r\n");
    ASSERT_TRUE(parse("SIP/2.0 699\r\n\r\n", m).ok());
    EXPECT_EQ(to_text(m), "SIP/2.0 699 \r\n\r\n");
}

}  // namespace
}  // namespace sipstorm::sip
