// Stream framing for TCP/TLS (RFC 3261 §18.3, §7.5; RFC 5626 §3.5.1 keep-alives): boundaries from
// Content-Length, partial messages, several in one read, CRLF padding, pings and pongs, refusals.
#include <gtest/gtest.h>

#include <string>

#include "net/stream_framer.hpp"

namespace sipstorm::net {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    "Call-ID: one\r\n"
    "Content-Length: 9\r\n"
    "\r\n"
    "a\r\n\r\nbody";  // a body with a CRLFCRLF in it
constexpr std::string_view kOk =
    "SIP/2.0 200 OK\r\n"
    "Call-ID: one\r\n"
    "l : 0\r\n"
    "\r\n";

Frame frame(std::string_view data, bool pong = false, uint32_t max = 65536) {
    uint32_t scan = 0;
    return frame_stream(data, pong, max, scan);
}

TEST(StreamFramer, OneMessage) {
    Frame f = frame(kInvite);
    EXPECT_EQ(f.kind, FrameKind::kMessage);
    EXPECT_EQ(f.skip, 0u);
    EXPECT_EQ(f.length, kInvite.size());
}

TEST(StreamFramer, TwoMessagesInOneRead) {
    const std::string buf = std::string(kInvite) + std::string(kOk);
    Frame f = frame(buf);
    ASSERT_EQ(f.kind, FrameKind::kMessage);
    ASSERT_EQ(f.length, kInvite.size());
    Frame g = frame(std::string_view(buf).substr(f.length));
    ASSERT_EQ(g.kind, FrameKind::kMessage);  // the compact form, with a space before the colon
    EXPECT_EQ(g.length, kOk.size());
}

TEST(StreamFramer, ByteByByte) {
    // Each prefix is incomplete; the scan position carries over so the work stays linear.
    uint32_t scan = 0;
    for (size_t n = 1; n < kInvite.size(); ++n) {
        Frame f = frame_stream(kInvite.substr(0, n), false, 65536, scan);
        ASSERT_EQ(f.kind, FrameKind::kNeedMore) << n;
        ASSERT_LE(scan, n);
    }
    Frame f = frame_stream(kInvite, false, 65536, scan);
    EXPECT_EQ(f.kind, FrameKind::kMessage);
    EXPECT_EQ(f.length, kInvite.size());
    EXPECT_EQ(scan, 0u);
}

TEST(StreamFramer, CrlfBeforeStartLineIsSkipped) {
    const std::string buf = "\r\n" + std::string(kOk);
    Frame f = frame(buf);
    ASSERT_EQ(f.kind, FrameKind::kMessage);
    EXPECT_EQ(f.skip, 2u);
    EXPECT_EQ(f.length, kOk.size());
}

TEST(StreamFramer, PingAndPong) {
    EXPECT_EQ(frame("\r\n\r\n").kind, FrameKind::kPing);
    EXPECT_EQ(frame("\r\n\r\n").skip, 4u);
    EXPECT_EQ(frame("\r\n").kind, FrameKind::kNeedMore);  // maybe the first half of a ping
    EXPECT_EQ(frame("\r\n\r").kind, FrameKind::kNeedMore);
    Frame pong = frame("\r\n", true);
    EXPECT_EQ(pong.kind, FrameKind::kPong);
    EXPECT_EQ(pong.skip, 2u);
    const std::string after = "\r\n" + std::string(kOk);
    EXPECT_EQ(frame(after, true).kind, FrameKind::kPong);  // a pong, then a message
}

TEST(StreamFramer, NoContentLength) {
    EXPECT_EQ(frame("OPTIONS sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n").kind, FrameKind::kNoLength);
}

TEST(StreamFramer, BadContentLength) {
    EXPECT_EQ(frame("OPTIONS sip:x SIP/2.0\r\nContent-Length: abc\r\n\r\n").kind, FrameKind::kBadLength);
    EXPECT_EQ(frame("OPTIONS sip:x SIP/2.0\r\nContent-Length: 5x\r\n\r\n").kind, FrameKind::kBadLength);
    EXPECT_EQ(frame("OPTIONS sip:x SIP/2.0\r\nContent-Length:\r\n\r\n").kind, FrameKind::kBadLength);
}

TEST(StreamFramer, HeaderNamesThatOnlyLookLikeContentLength) {
    // "Lang:" starts with l, "Content-Length-X" with content-length: neither frames the body.
    EXPECT_EQ(frame("OPTIONS sip:x SIP/2.0\r\nLang: 5\r\nContent-Length-X: 3\r\n\r\n").kind,
              FrameKind::kNoLength);
}

TEST(StreamFramer, TooLarge) {
    // A declared body that takes the message past the limit.
    EXPECT_EQ(frame("MESSAGE sip:x SIP/2.0\r\nContent-Length: 70000\r\n\r\n").kind, FrameKind::kTooLarge);
    // A header section that never ends.
    std::string endless = "OPTIONS sip:x SIP/2.0\r\n";
    while (endless.size() < 2000) endless += "X-Pad: 0123456789\r\n";
    EXPECT_EQ(frame(endless, false, 1024).kind, FrameKind::kTooLarge);
    EXPECT_EQ(frame(endless, false, 4096).kind, FrameKind::kNeedMore);
}

TEST(StreamFramer, BodyArrivesLater) {
    uint32_t scan = 0;
    const std::string_view head = kInvite.substr(0, kInvite.size() - 4);
    EXPECT_EQ(frame_stream(head, false, 65536, scan).kind, FrameKind::kNeedMore);
    EXPECT_GT(scan, 0u);
    Frame f = frame_stream(kInvite, false, 65536, scan);
    EXPECT_EQ(f.kind, FrameKind::kMessage);
}

}  // namespace
}  // namespace sipstorm::net
