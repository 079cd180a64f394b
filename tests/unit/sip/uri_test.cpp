#include "sip/uri.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipstorm::sip {
namespace {

Uri ok(std::string_view s) {
    Uri u;
    EXPECT_EQ(parse_uri(s, u), FieldError::kOk) << s;
    return u;
}

FieldError err(std::string_view s) {
    Uri u;
    return parse_uri(s, u);
}

TEST(Uri, FullSipUri) {
    Uri u =
        ok("sip:alice:secret@atlanta.example.com:5061;transport=TCP;lr;maddr=[::1];ttl=15;method=INVITE;user="
           "phone?"
           "subject=project&priority=urgent");
    EXPECT_EQ(u.scheme, Scheme::kSip);
    EXPECT_EQ(u.scheme_text, "sip");
    EXPECT_EQ(u.user, "alice");
    EXPECT_TRUE(u.has_password);
    EXPECT_EQ(u.password, "secret");
    EXPECT_EQ(u.host, "atlanta.example.com");
    EXPECT_EQ(u.host_kind, HostKind::kName);
    EXPECT_TRUE(u.has_port);
    EXPECT_EQ(u.port, 5061);
    EXPECT_EQ(u.transport, "TCP");
    EXPECT_TRUE(u.lr);
    EXPECT_EQ(u.maddr, "[::1]");
    EXPECT_EQ(u.ttl, "15");
    EXPECT_EQ(u.method, "INVITE");
    EXPECT_EQ(u.user_param, "phone");
    EXPECT_EQ(u.params, ";transport=TCP;lr;maddr=[::1];ttl=15;method=INVITE;user=phone");
    EXPECT_TRUE(u.has_headers);
    EXPECT_EQ(u.headers, "subject=project&priority=urgent");
    Param p;
    EXPECT_TRUE(u.find_param("TTL", p));
    EXPECT_EQ(p.value, "15");
    EXPECT_FALSE(u.find_param("foo", p));
}

TEST(Uri, HostOnlyAndSchemesAreCaseInsensitive) {
    Uri u = ok("SIPS:example.com");
    EXPECT_EQ(u.scheme, Scheme::kSips);
    EXPECT_EQ(u.scheme_text, "SIPS");
    EXPECT_TRUE(u.user.empty());
    EXPECT_EQ(u.host, "example.com");
    EXPECT_FALSE(u.has_port);
    u = ok("sip:example.com:5060;transport=udp");
    EXPECT_EQ(u.host, "example.com");
    EXPECT_EQ(u.port, 5060);
    EXPECT_FALSE(u.has_password);
    u = ok("sip:example.com.");  // trailing dot of a FQDN
    EXPECT_EQ(u.host, "example.com.");
}

TEST(Uri, Ipv4AndIpv6) {
    Uri u = ok("sip:user@192.0.2.1:5060");
    EXPECT_EQ(u.host_kind, HostKind::kIPv4);
    EXPECT_EQ(u.host, "192.0.2.1");
    u = ok("sip:[2001:db8::10]:5070");
    EXPECT_EQ(u.host_kind, HostKind::kIPv6);
    EXPECT_EQ(u.host, "[2001:db8::10]");  // brackets kept
    EXPECT_EQ(u.host_bare(), "2001:db8::10");
    EXPECT_EQ(u.port, 5070);
    ok("sip:[::ffff:192.0.2.1]");
    ok("sip:[::]");
    ok("sip:[1:2:3:4:5:6:7:8]");
    ok("sip:[fe80::1:2]");
    ok("sip:[2001:db8:::192.0.2.1]");  // RFC 5118 §4.10: three colons before an IPv4, tolerated
    ok("sip:[:::192.0.2.1]");
    EXPECT_EQ(err("sip:[2001:db8:::1234]"), FieldError::kBadHost);  // only an IPv4 may follow
    EXPECT_EQ(err("sip:[2001:db8::::192.0.2.1]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[2001:db8::10"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:2001:db8::10"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[1:2:3:4:5:6:7]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[1::2::3]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[12345::1]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[::1:]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:[]"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:256.1.1.1"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:1.2.3"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:host.123"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:-host.com"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:a..b"), FieldError::kBadHost);
}

TEST(Uri, Ports) {
    EXPECT_EQ(ok("sip:h:65535").port, 65535);
    EXPECT_EQ(ok("sip:h:0").port, 0);
    EXPECT_EQ(err("sip:h:65536"), FieldError::kBadPort);
    EXPECT_EQ(err("sip:h:99999999999999999999"), FieldError::kBadPort);
    EXPECT_EQ(err("sip:h:"), FieldError::kBadPort);
    EXPECT_EQ(err("sip:h:x"), FieldError::kBadPort);
}

TEST(Uri, EmptyAndGarbage) {
    EXPECT_EQ(err(""), FieldError::kEmpty);
    EXPECT_EQ(err("sip:"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:user@"), FieldError::kBadHost);
    EXPECT_EQ(err("sip:@host"), FieldError::kSyntax);
    EXPECT_EQ(err("nocolon"), FieldError::kBadScheme);
    EXPECT_EQ(err("1sip:host"), FieldError::kBadScheme);
    EXPECT_EQ(err(":host"), FieldError::kBadScheme);
    EXPECT_EQ(err("sip:host;"), FieldError::kBadParam);
    EXPECT_EQ(err("sip:host?"), FieldError::kSyntax);
    EXPECT_EQ(err("sip:host?a"), FieldError::kSyntax);
    EXPECT_EQ(err("sip:host>"), FieldError::kSyntax);
    EXPECT_EQ(err("sip:ho]st"), FieldError::kSyntax);
    EXPECT_EQ(err("sip:[::1"), FieldError::kBadHost);
}

// RFC 4475 lwsruri ("sip:user@example.com; lr") and any LWS inside a URI.
TEST(Uri, RejectsWhitespace) {
    EXPECT_EQ(err("sip:user@example.com; lr"), FieldError::kWhitespace);
    EXPECT_EQ(err(" sip:user@example.com"), FieldError::kWhitespace);
    EXPECT_EQ(err("sip:user@example.com "), FieldError::kWhitespace);
    EXPECT_EQ(err("sip: user@example.com"), FieldError::kWhitespace);
    EXPECT_EQ(err("sip:user@example.com?a=b c"), FieldError::kWhitespace);
    EXPECT_EQ(err("foo:a b"), FieldError::kWhitespace);
}

TEST(Uri, EscapesRfc4475) {
    // esc01
    Uri u = ok("sip:sips%3Auser%40example.com@example.net");
    EXPECT_EQ(u.user, "sips%3Auser%40example.com");
    EXPECT_EQ(u.host, "example.net");
    u = ok("sip:%75se%72@example.com");
    EXPECT_EQ(u.user, "%75se%72");
    u = ok("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
    EXPECT_TRUE(u.lr);
    ok("sip:I%20have%20spaces@example.net");
    // escnull
    ok("sip:null-%00-null@example.com");
    ok("sip:%00@host5.example.com");
    ok("sip:%00%00@host5.example.com");
    EXPECT_EQ(err("sip:us%4@example.com"), FieldError::kBadEscape);
    EXPECT_EQ(err("sip:us%zzer@example.com"), FieldError::kBadEscape);
    EXPECT_EQ(err("sip:host;a=%4"), FieldError::kBadEscape);
    EXPECT_EQ(err("sip:host?a=%4"), FieldError::kBadEscape);
}

TEST(Uri, SemicolonInUserRfc4475Semiuri) {
    Uri u = ok("sip:user;par=u%40example.net@example.com");
    EXPECT_EQ(u.user, "user;par=u%40example.net");
    EXPECT_EQ(u.host, "example.com");
    EXPECT_TRUE(u.params.empty());
}

TEST(Uri, EscapedHeadersRfc4475) {
    // escruri / regescrt: headers are fine in a URI; whether they are allowed where the URI sits is
    // the message validator's call.
    Uri u = ok("sip:user@example.com?Route=%3Csip:example.com%3E");
    EXPECT_EQ(u.headers, "Route=%3Csip:example.com%3E");
    EXPECT_EQ(u.host, "example.com");
}

TEST(Uri, UnknownSchemesAreOpaque) {
    Uri u = ok("isbn:2983792873");  // unksm2
    EXPECT_EQ(u.scheme, Scheme::kOther);
    EXPECT_EQ(u.scheme_text, "isbn");
    EXPECT_EQ(u.opaque, "2983792873");
    EXPECT_TRUE(u.host.empty());
    u = ok("http://www.example.com");
    EXPECT_EQ(u.opaque, "//www.example.com");
    u = ok("soap.beep://192.0.2.103:3002");  // novelsc
    EXPECT_EQ(u.scheme_text, "soap.beep");
    ok("nobodyKnowsThisScheme:totallyopaquecontent");  // unkscm
    ok("name:John_Smith");
    EXPECT_EQ(err("isbn:"), FieldError::kEmpty);
    EXPECT_EQ(err("isbn:<x>"), FieldError::kSyntax);
    // ltgtruri: the brackets are not part of a URI
    EXPECT_EQ(err("<sip:user@example.com>"), FieldError::kBadScheme);
}

TEST(Uri, Tel) {
    Uri u = ok("tel:+1-201-555-0123;phone-context=example.com");
    EXPECT_EQ(u.scheme, Scheme::kTel);
    EXPECT_EQ(u.user, "+1-201-555-0123");
    EXPECT_EQ(u.params, ";phone-context=example.com");
    Param p;
    EXPECT_TRUE(u.find_param("phone-context", p));
    EXPECT_EQ(p.value, "example.com");
    EXPECT_EQ(err("tel:"), FieldError::kSyntax);
    EXPECT_EQ(err("tel:12 34"), FieldError::kWhitespace);
}

TEST(Uri, UserWithIntmethChars) {
    // RFC 4475 intmeth Request-URI: every user-unreserved and mark character.
    Uri u =
        ok("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
           "@example.com");
    EXPECT_EQ(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    EXPECT_EQ(u.host, "example.com");
}

}  // namespace
}  // namespace sipstorm::sip
