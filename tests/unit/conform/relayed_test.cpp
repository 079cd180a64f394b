// The checks a proxy case makes on what the proxy forwarded or relayed (conform/checks.hpp).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conform/checks.hpp"
#include "sip/parser.hpp"

namespace sipstorm::conform {
namespace {

const std::string kSent =
    "INVITE sip:callee@127.0.0.1:5070 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa;rport\r\n"
    "X-Rep: one\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nX-Rep: two\r\nCall-ID: c1\r\n"
    "CSeq: 1 INVITE\r\nContent-Length: 4\r\n\r\nbody";

std::unique_ptr<sip::MessageView> parsed(const std::string& bytes) {
    auto m = std::make_unique<sip::MessageView>();
    EXPECT_TRUE(sip::parse(bytes, *m).ok());
    return m;
}

std::string forwarded(const std::string& body, const std::string& rep1, const std::string& rep2) {
    return "INVITE sip:callee@127.0.0.1:5070 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKp\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa;rport=5060;received=127.0.0.1\r\n"
           "Record-Route: <sip:127.0.0.1:5080;lr>, <sip:up.invalid;lr>\r\n"
           "X-Rep: " +
           rep1 + "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@y>\r\nX-Rep: " + rep2 +
           "\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

TEST(Relayed, BodyHeadersAndViasAsSentPass) {
    Expect e;
    e.same_body = true;
    e.same_headers = "X-Rep, From,To,Call-ID";
    e.vias_below = true;
    auto sent = parsed(kSent);
    std::string bytes = forwarded("body", "one", "two");
    auto got = parsed(bytes);
    EXPECT_EQ(check_relayed(e, *sent, *got), "");
}

TEST(Relayed, ChangedBodyReorderedLinesAndMissingViaFail) {
    auto sent = parsed(kSent);
    Expect body;
    body.same_body = true;
    std::string b1 = forwarded("bodx", "one", "two");
    EXPECT_NE(check_relayed(body, *sent, *parsed(b1)).find("byte for byte"), std::string::npos);
    Expect order;
    order.same_headers = "X-Rep";
    std::string b2 = forwarded("body", "two", "one");
    EXPECT_NE(check_relayed(order, *sent, *parsed(b2)).find("X-Rep values"), std::string::npos);
    Expect vias;
    vias.vias_below = true;
    EXPECT_NE(check_relayed(vias, *sent, *sent).find("one Via added"), std::string::npos);
}

TEST(Relayed, FirstContainsLooksAtTheTopValueOnly) {
    std::string bytes = forwarded("body", "one", "two");
    auto got = parsed(bytes);
    HeaderCheck top{"Record-Route", HeaderCheck::Op::kFirstContains, "127.0.0.1:5080", 0, 0, {}};
    EXPECT_EQ(check_header(top, *got), "");
    HeaderCheck lower{"Record-Route", HeaderCheck::Op::kFirstContains, "up.invalid", 0, 0, {}};
    EXPECT_NE(check_header(lower, *got), "");
    HeaderCheck eq{"Record-Route", HeaderCheck::Op::kFirstEquals, "<sip:127.0.0.1:5080;lr>", 0, 0, {}};
    EXPECT_EQ(check_header(eq, *got), "");
}

}  // namespace
}  // namespace sipstorm::conform
