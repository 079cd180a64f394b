// Stream framing (TCP/TLS): message boundaries from Content-Length, kIncomplete until a message is
// whole, several messages in one buffer.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sip/parser.hpp"

namespace sipstorm::sip {
namespace {

constexpr std::string_view kFirst =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    "Call-ID: one\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";
constexpr std::string_view kSecond =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    " ;received=192.0.2.9\r\n"
    "l: 0\r\n"
    "\r\n";

class StreamTest : public ::testing::TestWithParam<bool> {
  protected:
    void SetUp() override { force_scalar_scan(GetParam()); }
    void TearDown() override { force_scalar_scan(false); }
    MessageView m;
};

INSTANTIATE_TEST_SUITE_P(Scanners, StreamTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "scalar" : "simd"; });

TEST_P(StreamTest, TwoMessagesInOneBuffer) {
    const std::string buf = std::string(kFirst) + std::string(kSecond);
    ASSERT_TRUE(parse(buf, m, Framing::kStream).ok());
    EXPECT_EQ(m.size, kFirst.size());
    EXPECT_EQ(m.body, "hello");
    std::string_view rest = std::string_view(buf).substr(m.size);
    ASSERT_TRUE(parse(rest, m, Framing::kStream).ok());
    EXPECT_EQ(m.status_code, 200);
    EXPECT_EQ(m.size, kSecond.size());
    EXPECT_TRUE(m.body.empty());
}

// Feeds every prefix of the two-message buffer, as a TCP reader sees them arrive.
TEST_P(StreamTest, EverySplitPoint) {
    const std::string buf = std::string(kFirst) + std::string(kSecond);
    for (size_t cut = 0; cut <= buf.size(); ++cut) {
        std::string_view prefix = std::string_view(buf).substr(0, cut);
        ParseResult r = parse(prefix, m, Framing::kStream);
        if (cut < kFirst.size()) {
            ASSERT_EQ(r.status, ParseStatus::kIncomplete) << "cut " << cut;
            continue;
        }
        ASSERT_EQ(r.status, ParseStatus::kOk) << "cut " << cut;
        ASSERT_EQ(m.size, kFirst.size());
        ASSERT_EQ(m.body, "hello");
        std::string_view rest = prefix.substr(m.size);
        r = parse(rest, m, Framing::kStream);
        if (cut < buf.size()) {
            ASSERT_EQ(r.status, ParseStatus::kIncomplete) << "cut " << cut;
        } else {
            ASSERT_EQ(r.status, ParseStatus::kOk);
            EXPECT_EQ(m.size, kSecond.size());
            EXPECT_EQ(m.headers[0].value, "SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n ;received=192.0.2.9");
        }
    }
}

TEST_P(StreamTest, KeepAliveCrlfBeforeAMessage) {
    const std::string buf = "\r\n\r\n" + std::string(kSecond);
    EXPECT_EQ(parse("\r\n\r\n", m, Framing::kStream).status, ParseStatus::kIncomplete);
    ASSERT_TRUE(parse(buf, m, Framing::kStream).ok());
    EXPECT_EQ(m.size, buf.size());  // the keep-alive is consumed with the message
}

TEST_P(StreamTest, MissingContentLengthIsInvalid) {
    ParseResult r = parse("OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n", m, Framing::kStream);
    EXPECT_EQ(r.status, ParseStatus::kInvalid);
    EXPECT_EQ(r.verdict.code, 400);
    EXPECT_EQ(r.verdict.detail, "Content-Length missing on a stream transport");
}

TEST_P(StreamTest, ErrorsBeforeTheEndAreReportedEarly) {
    // No need to wait for the rest of a message that is already broken.
    ParseResult r = parse("INVITE  sip:x SIP/2.0\r\nVia: ", m, Framing::kStream);
    EXPECT_EQ(r.status, ParseStatus::kInvalid);
    r = parse("OPTIONS sip:x SIP/2.0\r\nl: -1\r\n\r\n", m, Framing::kStream);
    EXPECT_EQ(r.verdict.detail, "negative Content-Length");
}

TEST_P(StreamTest, BodyStillArriving) {
    EXPECT_EQ(parse("MESSAGE sip:x SIP/2.0\r\nl: 10\r\n\r\n12345", m, Framing::kStream).status,
              ParseStatus::kIncomplete);
    ParseResult r = parse("MESSAGE sip:x SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n", m, Framing::kStream);
    EXPECT_EQ(r.verdict.code, 413);
    EXPECT_EQ(r.verdict.detail, "Content-Length above kMaxContentLength (64 MiB)");
    // At the limit we wait for the body.
    EXPECT_EQ(parse("MESSAGE sip:x SIP/2.0\r\nl: 67108864\r\n\r\n", m, Framing::kStream).status,
              ParseStatus::kIncomplete);
}

}  // namespace
}  // namespace sipstorm::sip
