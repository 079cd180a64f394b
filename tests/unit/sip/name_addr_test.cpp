#include "sip/name_addr.hpp"

#include <gtest/gtest.h>

namespace sipstorm::sip {
namespace {

TEST(NameAddr, QuotedDisplayNameAndTag) {
    NameAddr na;
    Uri u;
    ASSERT_EQ(parse_name_addr(R"("Bob \"B\"" <sips:bob@biloxi.example.com:5061>;tag=a6c85cf;foo)", na, &u),
              FieldError::kOk);
    EXPECT_EQ(na.display_name, R"(Bob \"B\")");
    EXPECT_TRUE(na.display_quoted);
    EXPECT_TRUE(na.angle);
    EXPECT_EQ(na.uri, "sips:bob@biloxi.example.com:5061");
    EXPECT_EQ(u.scheme, Scheme::kSips);
    EXPECT_EQ(u.port, 5061);
    EXPECT_TRUE(na.has_tag);
    EXPECT_EQ(na.tag, "a6c85cf");
    EXPECT_EQ(na.params, ";tag=a6c85cf;foo");
    Param p;
    EXPECT_TRUE(na.find_param("FOO", p));
}

TEST(NameAddr, TokenDisplayName) {
    NameAddr na;
    ASSERT_EQ(parse_name_addr("Alice  Liddell <sip:alice@atlanta.example.com>", na), FieldError::kOk);
    EXPECT_EQ(na.display_name, "Alice  Liddell");
    EXPECT_FALSE(na.display_quoted);
    // RFC 4475 lwsdisp: no LWS between display name and '<'.
    ASSERT_EQ(parse_name_addr("caller<sip:caller@example.com>;tag=323", na), FieldError::kOk);
    EXPECT_EQ(na.display_name, "caller");
    EXPECT_EQ(na.tag, "323");
    ASSERT_EQ(parse_name_addr("<sip:caller@example.com>", na), FieldError::kOk);
    EXPECT_TRUE(na.display_name.empty());
    EXPECT_FALSE(na.has_tag);
}

TEST(NameAddr, BareAddrSpecParamsAreHeaderParams) {
    NameAddr na;
    Uri u;
    // RFC 4475 cparam01: unknownparam belongs to the Contact, not to the URI.
    ASSERT_EQ(parse_name_addr("sip:+19725552222@gw1.example.net;unknownparam", na, &u), FieldError::kOk);
    EXPECT_FALSE(na.angle);
    EXPECT_EQ(na.uri, "sip:+19725552222@gw1.example.net");
    EXPECT_EQ(na.params, ";unknownparam");
    EXPECT_TRUE(u.params.empty());
    // cparam02: inside <...> it is a URI param.
    ASSERT_EQ(parse_name_addr("<sip:+19725552222@gw1.example.net;unknownparam>", na, &u), FieldError::kOk);
    EXPECT_TRUE(na.params.empty());
    EXPECT_EQ(u.params, ";unknownparam");
    // inv2543: user=phone in a bare To is a header param too.
    ASSERT_EQ(parse_name_addr("sip:+16505552222@ss1.example.net;user=phone", na, &u), FieldError::kOk);
    EXPECT_TRUE(u.user_param.empty());
    ASSERT_EQ(parse_name_addr("sip:caller@example.org;tag=33242", na), FieldError::kOk);
    EXPECT_EQ(na.tag, "33242");
}

// RFC 4475 wsinv header values (folded lines as the message parser hands them over).
TEST(NameAddr, WsinvValues) {
    NameAddr na;
    ASSERT_EQ(parse_name_addr("\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", na),
              FieldError::kOk);
    EXPECT_EQ(na.uri, "sip:vivekg@chair-dnrc.example.com");
    EXPECT_EQ(na.tag, "1918181833n");
    ASSERT_EQ(parse_name_addr(
                  "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8", na),
              FieldError::kOk);
    EXPECT_EQ(na.display_name, "J Rosenberg \\\\\\\"");
    EXPECT_EQ(na.tag, "98asjd8");
    ASSERT_EQ(
        parse_name_addr(
            "\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  "
            "secondparam ; q = 0.33",
            na),
        FieldError::kOk);
    EXPECT_TRUE(na.has_q);
    EXPECT_EQ(na.q, 330);
    Param p;
    ASSERT_TRUE(na.find_param("newparam", p));
    EXPECT_EQ(p.value, "newvalue");
}

TEST(NameAddr, RejectsRfc4475BadValues) {
    NameAddr na;
    // baddn: unquoted display names with commas / the whole value
    EXPECT_NE(parse_name_addr("Bell, Alexander <sip:a.g.bell@example.com>;tag=43", na), FieldError::kOk);
    // quotbal: unbalanced quote
    EXPECT_EQ(parse_name_addr("\"Mr. J. User <sip:j.user@example.com>", na), FieldError::kUnterminated);
    // badaspec: LWS inside the angle brackets
    EXPECT_EQ(parse_name_addr("\"Watson, Thomas\" < sip:t.watson@example.org >", na),
              FieldError::kWhitespace);
    // regbadct: a '?' in a bare addr-spec
    EXPECT_EQ(parse_name_addr("sip:user@example.com?Route=%3Csip:sip.example.com%3E", na),
              FieldError::kSyntax);
    // non-token characters in an unquoted display name
    EXPECT_NE(parse_name_addr("J@ne <sip:j@example.com>", na), FieldError::kOk);
    EXPECT_NE(parse_name_addr("Jane: Doe <sip:j@example.com>", na), FieldError::kOk);
    EXPECT_EQ(parse_name_addr("<sip:a@b", na), FieldError::kUnterminated);
    EXPECT_EQ(parse_name_addr("<>", na), FieldError::kEmpty);
    EXPECT_EQ(parse_name_addr("", na), FieldError::kEmpty);
    EXPECT_EQ(parse_name_addr("Bob", na), FieldError::kBadScheme);
    EXPECT_EQ(parse_name_addr("<sip:a@b> x", na), FieldError::kSyntax);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;tag", na), FieldError::kBadParam);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;tag=\"x\"", na), FieldError::kBadParam);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;q=1.5", na), FieldError::kBadParam);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;q=0.1234", na), FieldError::kBadParam);
    EXPECT_EQ(parse_name_addr("<sip:a@b>;expires=-1", na), FieldError::kBadParam);
    Uri u;
    EXPECT_EQ(parse_name_addr("<sip:a@b; lr>", na, &u), FieldError::kWhitespace);
}

TEST(NameAddr, UriCheckedOnlyWhenAsked) {
    NameAddr na;
    Uri u;
    EXPECT_EQ(parse_name_addr("<sip:a@b:99999>", na), FieldError::kOk);
    EXPECT_EQ(parse_name_addr("<sip:a@b:99999>", na, &u), FieldError::kBadPort);
    // Escaped headers inside <...> are fine (regescrt).
    ASSERT_EQ(parse_name_addr("<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", na, &u),
              FieldError::kOk);
    EXPECT_EQ(u.headers, "Route=%3Csip:sip.example.com%3E");
    // Unknown schemes (unksm2).
    ASSERT_EQ(parse_name_addr("isbn:2983792873", na, &u), FieldError::kOk);
    EXPECT_EQ(u.scheme, Scheme::kOther);
    ASSERT_EQ(parse_name_addr("<http://www.example.com>;tag=3234233", na, &u), FieldError::kOk);
    EXPECT_EQ(na.tag, "3234233");
    // Escapes (esc01, escnull).
    ASSERT_EQ(parse_name_addr("<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>", na, &u),
              FieldError::kOk);
    EXPECT_TRUE(u.lr);
    ASSERT_EQ(parse_name_addr("sip:null-%00-null@example.com;tag=839923423", na, &u), FieldError::kOk);
}

TEST(NameAddr, ContactStarExpiresQ) {
    NameAddr na;
    ASSERT_EQ(parse_name_addr(" * ", na), FieldError::kOk);
    EXPECT_TRUE(na.star);
    ASSERT_EQ(parse_name_addr("<sip:a@b>;expires=3600;q=1.000", na), FieldError::kOk);
    EXPECT_EQ(na.expires, 3600u);
    EXPECT_EQ(na.q, 1000);
    ASSERT_EQ(parse_name_addr("<sip:a@b>;q=0", na), FieldError::kOk);
    EXPECT_EQ(na.q, 0);
    // scalar02: expires > 2^32-1 saturates and says so.
    EXPECT_EQ(parse_name_addr("<sip:user@host129.example.com>\r\n  ;expires=280297596632815", na),
              FieldError::kOverflow);
    EXPECT_TRUE(na.has_expires);
    EXPECT_EQ(na.expires, 0xffffffffu);
    EXPECT_EQ(na.uri, "sip:user@host129.example.com");
}

TEST(NameAddr, Iteration) {
    NameAddrIter it(R"("Watson, T" <sip:w@example.com>;q=0.7, sip:b@example.com;expires=60 , <sip:c@d;lr>)");
    NameAddr na;
    Uri u;
    ASSERT_TRUE(it.next(na, &u));
    EXPECT_EQ(na.display_name, "Watson, T");
    EXPECT_EQ(na.q, 700);
    ASSERT_TRUE(it.next(na, &u));
    EXPECT_EQ(na.uri, "sip:b@example.com");
    EXPECT_EQ(na.expires, 60u);
    ASSERT_TRUE(it.next(na, &u));
    EXPECT_TRUE(u.lr);
    EXPECT_FALSE(it.next(na));
    EXPECT_EQ(it.error(), FieldError::kOk);

    NameAddrIter bad("<sip:a@b>, \"open");
    ASSERT_TRUE(bad.next(na));
    EXPECT_FALSE(bad.next(na));
    EXPECT_EQ(bad.error(), FieldError::kUnterminated);

    NameAddrIter big("<sip:a@b>;expires=99999999999, <sip:c@d>");
    ASSERT_TRUE(big.next(na));
    EXPECT_EQ(na.expires, 0xffffffffu);
    ASSERT_TRUE(big.next(na));
    EXPECT_EQ(na.uri, "sip:c@d");
}

}  // namespace
}  // namespace sipstorm::sip
