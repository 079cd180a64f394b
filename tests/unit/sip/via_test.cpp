#include "sip/via.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipstorm::sip {
namespace {

TEST(Via, Typical) {
    Via v;
    ASSERT_EQ(
        parse_via("SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5070;"
                  "maddr=224.2.0.1;ttl=16;x-foo=\"bar\"",
                  v),
        FieldError::kOk);
    EXPECT_EQ(v.protocol_name, "SIP");
    EXPECT_EQ(v.protocol_version, "2.0");
    EXPECT_EQ(v.transport, Transport::kUdp);
    EXPECT_EQ(v.transport_text, "UDP");
    EXPECT_EQ(v.host, "pc33.atlanta.com");
    EXPECT_EQ(v.host_kind, HostKind::kName);
    EXPECT_TRUE(v.has_port);
    EXPECT_EQ(v.port, 5066);
    EXPECT_EQ(v.branch, "z9hG4bK776asdhds");
    EXPECT_EQ(v.received, "192.0.2.1");
    EXPECT_TRUE(v.has_rport);
    EXPECT_TRUE(v.rport_has_value);
    EXPECT_EQ(v.rport, 5070);
    EXPECT_EQ(v.maddr, "224.2.0.1");
    EXPECT_TRUE(v.has_ttl);
    EXPECT_EQ(v.ttl, 16);
    Param p;
    ASSERT_TRUE(v.find_param("X-FOO", p));
    EXPECT_EQ(p.value, "bar");
    EXPECT_EQ(v.params.front(), ';');
    EXPECT_EQ(v.params.back(), '"');
}

TEST(Via, RportWithoutValueAndNoParams) {
    Via v;
    ASSERT_EQ(parse_via("SIP/2.0/TCP 10.0.0.1;rport;branch=z9hG4bKx", v), FieldError::kOk);
    EXPECT_TRUE(v.has_rport);
    EXPECT_FALSE(v.rport_has_value);
    EXPECT_EQ(v.host_kind, HostKind::kIPv4);
    EXPECT_FALSE(v.has_port);
    ASSERT_EQ(parse_via("SIP/2.0/UDP iftgw.example.com", v), FieldError::kOk);  // inv2543: no branch
    EXPECT_TRUE(v.branch.empty());
    EXPECT_TRUE(v.params.empty());
    EXPECT_FALSE(v.has_rport);
}

TEST(Via, Ipv6SentBy) {
    Via v;
    ASSERT_EQ(parse_via("SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas;received=[2001:db8::9:255]", v),
              FieldError::kOk);
    EXPECT_EQ(v.host, "[2001:db8::9:1]");
    EXPECT_EQ(v.host_kind, HostKind::kIPv6);
    EXPECT_EQ(v.port, 5060);
    EXPECT_EQ(v.received, "[2001:db8::9:255]");
    EXPECT_EQ(parse_via("SIP/2.0/UDP [2001:db8::9:1;branch=x", v), FieldError::kBadHost);
    // The grammar's received is a bare IPv6address (RFC 5118 §4.5 shows both forms).
    ASSERT_EQ(parse_via("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas", v),
              FieldError::kOk);
    EXPECT_EQ(v.received, "2001:db8::9:255");
    EXPECT_EQ(v.branch, "z9hG4bKas");
    ASSERT_EQ(parse_via("SIP/2.0/UDP [::ffff:192.0.2.1]:5060;received=::1", v), FieldError::kOk);
    EXPECT_EQ(v.received, "::1");
}

// RFC 4475 wsinv: LWS (with folds) around '/', ':' and ';' and '='.
TEST(Via, WsinvTortuousWhitespace) {
    Via v;
    ASSERT_EQ(parse_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", v), FieldError::kOk);
    EXPECT_EQ(v.protocol_version, "2.0");
    EXPECT_EQ(v.transport, Transport::kUdp);
    EXPECT_EQ(v.host, "192.0.2.2");
    EXPECT_EQ(v.branch, "390skdjuw");

    ViaIter it(
        "SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   "
        "/ UDP  "
        "192.168.255.111   ; branch=\r\n z9hG4bK30239");
    ASSERT_TRUE(it.next(v));
    EXPECT_EQ(v.transport, Transport::kTcp);
    EXPECT_EQ(v.host, "spindle.example.com");
    EXPECT_EQ(v.branch, "z9hG4bK9ikj8");
    ASSERT_TRUE(it.next(v));
    EXPECT_EQ(v.transport, Transport::kUdp);
    EXPECT_EQ(v.host, "192.168.255.111");
    EXPECT_EQ(v.branch, "z9hG4bK30239");
    EXPECT_FALSE(it.next(v));
    EXPECT_EQ(it.error(), FieldError::kOk);

    ASSERT_EQ(parse_via("SIP/2.0/UDP host : 5060 ; branch = b1", v), FieldError::kOk);
    EXPECT_EQ(v.port, 5060);
    EXPECT_EQ(v.branch, "b1");
}

// RFC 4475 transports: unknown transports are kept as text.
TEST(Via, Transports) {
    const std::vector<std::pair<std::string, Transport>> cases = {
        {"UDP", Transport::kUdp},       {"tcp", Transport::kTcp},        {"TLS", Transport::kTls},
        {"SCTP", Transport::kSctp},     {"WS", Transport::kWs},          {"wss", Transport::kWss},
        {"UNKNOWN", Transport::kOther}, {"TLS-SCTP", Transport::kOther},
    };
    for (const auto& [name, t] : cases) {
        Via v;
        const std::string s = "SIP/2.0/" + name + " t4.example.com;branch=z9hG4bKasd0f3en";
        ASSERT_EQ(parse_via(s, v), FieldError::kOk) << s;
        EXPECT_EQ(v.transport, t) << name;
        EXPECT_EQ(v.transport_text, name);
    }
}

TEST(Via, FirstOfMany) {
    Via v;
    ASSERT_EQ(parse_first_via(
                  "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2", v),
              FieldError::kOk);
    EXPECT_EQ(v.host, "a.example.com");
    EXPECT_EQ(v.branch, "z9hG4bK1");
    // The first via-parm is good; garbage in a later one is not looked at on the hot path.
    EXPECT_EQ(parse_first_via("SIP/2.0/UDP a.example.com, garbage", v), FieldError::kOk);
    // A whole value with several via-parms is not one via-parm.
    EXPECT_EQ(parse_via("SIP/2.0/UDP a, SIP/2.0/UDP b", v), FieldError::kSyntax);
}

TEST(Via, IterationErrors) {
    Via v;
    ViaIter it("SIP/2.0/UDP a;branch=1,,SIP/2.0/UDP b");
    EXPECT_TRUE(it.next(v));
    EXPECT_FALSE(it.next(v));
    EXPECT_EQ(it.error(), FieldError::kEmpty);
    ViaIter trailing("SIP/2.0/UDP a;branch=1,");
    EXPECT_TRUE(trailing.next(v));
    EXPECT_FALSE(trailing.next(v));
    EXPECT_EQ(trailing.error(), FieldError::kEmpty);
    ViaIter quoted("SIP/2.0/UDP a;x=\"a,b\", SIP/2.0/UDP b");
    EXPECT_TRUE(quoted.next(v));
    Param p;
    ASSERT_TRUE(v.find_param("x", p));
    EXPECT_EQ(p.value, "a,b");
    EXPECT_TRUE(quoted.next(v));
    EXPECT_EQ(v.host, "b");
    EXPECT_FALSE(quoted.next(v));
    EXPECT_EQ(quoted.error(), FieldError::kOk);
}

TEST(Via, Rejects) {
    Via v;
    EXPECT_EQ(parse_via("", v), FieldError::kEmpty);
    EXPECT_EQ(parse_via("   ", v), FieldError::kEmpty);
    EXPECT_EQ(parse_via("SIP/2.0/UDP", v), FieldError::kBadHost);
    EXPECT_EQ(parse_via("SIP/2.0/UDPhost", v), FieldError::kBadHost);
    EXPECT_EQ(parse_via("SIP/2.0 host", v), FieldError::kSyntax);
    EXPECT_EQ(parse_via("SIP//UDP host", v), FieldError::kSyntax);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host:", v), FieldError::kBadPort);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host:65536", v), FieldError::kBadPort);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host:99999999999999999999999", v), FieldError::kBadPort);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;branch", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;branch=", v), FieldError::kBadParam);
    EXPECT_NE(parse_via("SIP/2.0/UDP host;branch=abc:def", v), FieldError::kOk);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host; branch=abc:def", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;rport=70000", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;rport=-1", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;ttl=256", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;;branch=1", v), FieldError::kBadParam);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host junk", v), FieldError::kSyntax);
    EXPECT_EQ(parse_via("SIP/2.0/UDP 999.0.0.1", v), FieldError::kBadHost);
    EXPECT_EQ(parse_via("SIP/2.0/UDP host;x=\"open", v), FieldError::kBadParam);
}

}  // namespace
}  // namespace sipstorm::sip
