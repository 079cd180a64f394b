// The CANCEL and BYE a UAC sends for a call it abandons (SIPp's default behaviour "bye"), built from
// its INVITE as sent (RFC 3261 §9.1, §15).
#include <gtest/gtest.h>

#include <string>

#include "sip/parser.hpp"
#include "ua/stateless.hpp"

namespace sipstorm::ua {
namespace {

const std::string kInvite =
    "INVITE sip:bob@192.0.2.5 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc.0001;rport\r\n"
    "Route: <sip:proxy.example;lr>\r\n"
    "From: <sip:alice@example>;tag=a1\r\n"
    "To: <sip:bob@example>\r\n"
    "Call-ID: c1@example\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Length: 0\r\n\r\n";

std::string built(size_t n, const char* buf) {
    return std::string(buf, n);
}

TEST(Abandon, CancelCopiesTheInvitesRequestUriViaRouteFromToAndCallId) {
    sip::MessageView invite;
    ASSERT_TRUE(sip::parse(kInvite, invite).ok());
    char out[1024];
    const std::string c = built(build_cancel(invite, 1, out, sizeof out), out);
    EXPECT_EQ(c,
              "CANCEL sip:bob@192.0.2.5 SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc.0001;rport\r\n"
              "Route: <sip:proxy.example;lr>\r\n"
              "Max-Forwards: 70\r\n"
              "From: <sip:alice@example>;tag=a1\r\n"
              "To: <sip:bob@example>\r\n"
              "Call-ID: c1@example\r\n"
              "CSeq: 1 CANCEL\r\n"
              "Content-Length: 0\r\n\r\n");
    sip::MessageView v;
    EXPECT_TRUE(sip::parse(c, v).ok());
}

TEST(Abandon, ByeGoesToTheRemoteTargetThroughTheRouteSetWithANewBranch) {
    sip::MessageView invite;
    ASSERT_TRUE(sip::parse(kInvite, invite).ok());
    char out[1024];
    const std::string b =
        built(build_bye(invite, "sip:bob@192.0.2.9:5070", "Route: <sip:p1;lr>\r\nRoute: <sip:p2;lr>", "b7",
                        "z9hG4bKabc.abba", 3, out, sizeof out),
              out);
    EXPECT_EQ(b,
              "BYE sip:bob@192.0.2.9:5070 SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc.abba;rport\r\n"
              "Route: <sip:p1;lr>\r\nRoute: <sip:p2;lr>\r\n"
              "Max-Forwards: 70\r\n"
              "From: <sip:alice@example>;tag=a1\r\n"
              "To: <sip:bob@example>;tag=b7\r\n"
              "Call-ID: c1@example\r\n"
              "CSeq: 3 BYE\r\n"
              "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(build_bye(invite, "", "", "b7", "z9hG4bKx", 2, out, 40), 0u);  // does not fit
}

}  // namespace
}  // namespace sipstorm::ua
