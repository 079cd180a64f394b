// validate(): one test per rule, each starting from a valid request and breaking one thing.
#include "sip/validate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sip/parser.hpp"

namespace sipstorm::sip {
namespace {

constexpr std::string_view kStart = "INVITE sip:bob@example.com SIP/2.0\r\n";
constexpr std::string_view kHeaders =
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:bob@example.com>\r\n"
    "Call-ID: abc@192.0.2.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.1>\r\n"
    "Content-Length: 0\r\n";

class ValidateTest : public ::testing::Test {
  protected:
    // Parses start line + headers (with `replace` substituted for `find`, or `extra` appended).
    Verdict check(std::string_view find = {}, std::string_view replace = {}, std::string_view extra = {},
                  std::string_view start = kStart) {
        text = std::string(start) + std::string(kHeaders);
        if (!find.empty()) {
            size_t at = text.find(find);
            EXPECT_NE(at, std::string::npos) << find;
            if (at != std::string::npos) text.replace(at, find.size(), replace);
        }
        text += std::string(extra) + "\r\n";
        ParseResult r = parse(text, m);
        EXPECT_TRUE(r.ok()) << r.verdict.detail << "\n" << text;
        return validate(m);
    }
    void expect(Verdict v, uint16_t code, std::string_view detail) {
        EXPECT_EQ(v.code, code) << text;
        EXPECT_EQ(v.detail, detail) << text;
    }
    std::string text;
    MessageView m;
};

TEST_F(ValidateTest, BaselineIsValid) {
    Verdict v = check();
    EXPECT_TRUE(v.ok()) << v.detail;
    v = check("", "", "", "SIP/2.0 200 OK\r\n");
    EXPECT_TRUE(v.ok()) << v.detail;
}

TEST_F(ValidateTest, MandatoryHeaders) {
    expect(check("Call-ID: abc@192.0.2.1\r\n", ""), 400, "missing Call-ID");
    expect(check("To: <sip:bob@example.com>\r\n", ""), 400, "missing To");
    expect(check("From: \"Alice\" <sip:alice@example.com>;tag=1\r\n", ""), 400, "missing From");
    expect(check("CSeq: 1 INVITE\r\n", ""), 400, "missing CSeq");
    expect(check("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n", ""), 400, "missing Via");
    EXPECT_TRUE(check("Max-Forwards: 70\r\n", "").ok());  // tolerated
}

TEST_F(ValidateTest, SingleValueHeadersTwice) {
    expect(check("", "", "To: <sip:carol@example.com>\r\n"), 400, "To appears more than once");
    expect(check("", "", "f: <sip:x@example.com>\r\n"), 400, "From appears more than once");
    expect(check("", "", "i: other\r\n"), 400, "Call-ID appears more than once");
    expect(check("", "", "CSeq: 2 INVITE\r\n"), 400, "CSeq appears more than once");
    expect(check("", "", "Max-Forwards: 5\r\n"), 400, "Max-Forwards appears more than once");
    expect(check("", "", "l: 0\r\n"), 400, "more than one Content-Length");
    // Multi-value headers may repeat.
    EXPECT_TRUE(check("", "", "Via: SIP/2.0/TCP h;branch=z9hG4bK2\r\nContact: <sip:c@h>\r\n").ok());
}

TEST_F(ValidateTest, CSeq) {
    expect(check("CSeq: 1 INVITE", "CSeq: 1 OPTIONS"), 400, "CSeq method does not match the request method");
    expect(check("CSeq: 1 INVITE", "CSeq: 1 invite"), 400, "CSeq method does not match the request method");
    expect(check("CSeq: 1 INVITE", "CSeq: 2147483648 INVITE"), 400, "CSeq number above 2^31-1");
    EXPECT_TRUE(check("CSeq: 1 INVITE", "CSeq: 2147483647 INVITE").ok());
    expect(check("CSeq: 1 INVITE", "CSeq: INVITE"), 400, "malformed CSeq");
    expect(check("CSeq: 1 INVITE", "CSeq: 1 INVITE", "", "FOO sip:bob@example.com SIP/2.0\r\n"), 501,
           "unknown method, and CSeq names another");
    EXPECT_TRUE(check("CSeq: 1 INVITE", "CSeq: 1 FOO", "", "FOO sip:bob@example.com SIP/2.0\r\n").ok());
    // A response's CSeq names the request it answers, whatever that was.
    EXPECT_TRUE(check("CSeq: 1 INVITE", "CSeq: 1 BYE", "", "SIP/2.0 200 OK\r\n").ok());
}

TEST_F(ValidateTest, Scalars) {
    expect(check("Max-Forwards: 70", "Max-Forwards: 256"), 400, "Max-Forwards above 255");
    EXPECT_TRUE(check("Max-Forwards: 70", "Max-Forwards: 0").ok());
    expect(check("Max-Forwards: 70", "Max-Forwards: x"), 400, "malformed Max-Forwards");
    expect(check("", "", "Expires: 4294967296\r\n"), 400, "Expires above 2^32-1");
    EXPECT_TRUE(check("", "", "Expires: 4294967295\r\n").ok());
    expect(check("Call-ID: abc@192.0.2.1", "Call-ID: a b"), 400, "malformed Call-ID");
}

TEST_F(ValidateTest, BodyNeedsContentType) {
    text = std::string(kStart) + std::string(kHeaders);
    text.replace(text.find("Content-Length: 0"), 17, "Content-Length: 4");
    text += "\r\nv=0\n";
    ASSERT_TRUE(parse(text, m).ok());
    expect(validate(m), 400, "body without Content-Type");
    text.insert(text.find("\r\n\r\n") + 2, "c: application/sdp\r\n");
    ASSERT_TRUE(parse(text, m).ok());
    EXPECT_TRUE(validate(m).ok()) << validate(m).detail;
}

TEST_F(ValidateTest, Addresses) {
    expect(check("To: <sip:bob@example.com>", "To: \"Bob <sip:bob@example.com>"), 400,
           "unterminated quoted string or <> in an address");
    expect(check("To: <sip:bob@example.com>", "To: Bob, Jr. <sip:bob@example.com>"), 400, "malformed To");
    expect(check("From: \"Alice\" <sip:alice@example.com>;tag=1", "From: <sip:alice@example.com>;;"), 400,
           "malformed From");
    expect(check("Contact: <sip:alice@192.0.2.1>", "Contact: \"Joe\" <sip:joe@example.org>;;;;"), 400,
           "malformed Contact");
    expect(check("", "", "Route: <sip:p1.example.com;lr>, garbage<\r\n"), 400,
           "unterminated quoted string or <> in an address");
    EXPECT_TRUE(check("", "", "Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n").ok());
    EXPECT_TRUE(check("To: <sip:bob@example.com>", "To: caller<sip:bob@example.com>").ok());  // lwsdisp
}

TEST_F(ValidateTest, Via) {
    expect(check("Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", "Via: SIP/2.0/UDP 192.0.2.15;;,;,,"), 400,
           "malformed Via");
    EXPECT_TRUE(check("", "", "v: SIP/2.0/SCTP h2;branch=x, SIP/2.0/UNKNOWN h3;branch=y\r\n").ok());
}

TEST_F(ValidateTest, RequestUri) {
    expect(check("", "", "", "INVITE nobody:opaque SIP/2.0\r\n"), 416,
           "Request-URI scheme is not sip, sips or tel");
    expect(check("", "", "", "INVITE sip:bob@example.com?Route=%3Csip:x%3E SIP/2.0\r\n"), 400,
           "header components in the Request-URI");
    expect(check("", "", "", "INVITE sip:@@ SIP/2.0\r\n"), 400, "malformed Request-URI");
    EXPECT_TRUE(check("", "", "", "INVITE sips:bob@example.com SIP/2.0\r\n").ok());
    EXPECT_TRUE(check("", "", "", "INVITE tel:+15551234567 SIP/2.0\r\n").ok());
}

}  // namespace
}  // namespace sipstorm::sip
