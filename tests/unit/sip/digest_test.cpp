#include "sip/digest.hpp"

#include <gtest/gtest.h>

namespace sipstorm::sip {
namespace {

TEST(Digest, Challenge) {
    DigestChallenge c;
    ASSERT_EQ(parse_challenge("Digest realm=\"atlanta.example.com\", domain=\"sip:ss1.example.com\",\r\n "
                              "qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", "
                              "stale=FALSE, algorithm=MD5",
                              c),
              FieldError::kOk);
    EXPECT_TRUE(c.is_digest);
    EXPECT_EQ(c.realm, "atlanta.example.com");
    EXPECT_EQ(c.domain, "sip:ss1.example.com");
    EXPECT_EQ(c.nonce, "f84f1cec41e6cbe5aea9c8e88d359");
    EXPECT_EQ(c.opaque, "");
    EXPECT_FALSE(c.stale);
    EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5);
    EXPECT_EQ(c.qop, "auth,auth-int");
    EXPECT_TRUE(c.qop_auth);
    EXPECT_TRUE(c.qop_auth_int);
}

TEST(Digest, ChallengeAlgorithmsAndStale) {
    DigestChallenge c;
    ASSERT_EQ(parse_challenge("digest realm=\"r\",nonce=\"n\",algorithm=SHA-256-sess,stale=true,qop=\"auth\","
                              "userhash=true",
                              c),
              FieldError::kOk);
    EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256Sess);
    EXPECT_TRUE(c.stale);
    EXPECT_TRUE(c.userhash);
    EXPECT_TRUE(c.qop_auth);
    EXPECT_FALSE(c.qop_auth_int);
    EXPECT_EQ(digest_algorithm_from("md5-SESS"), DigestAlgorithm::kMd5Sess);
    EXPECT_EQ(digest_algorithm_from("SHA-256"), DigestAlgorithm::kSha256);
    EXPECT_EQ(digest_algorithm_from("SHA-512-256"), DigestAlgorithm::kSha512_256);
    EXPECT_EQ(digest_algorithm_from("AKAv1-MD5"), DigestAlgorithm::kOther);
    ASSERT_EQ(parse_challenge("Digest realm=\"r\", nonce=\"n\"", c), FieldError::kOk);
    EXPECT_EQ(c.algorithm, DigestAlgorithm::kNone);
}

TEST(Digest, Credentials) {
    DigestCredentials d;
    ASSERT_EQ(
        parse_credentials(
            "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
            " uri=\"sip:bob@biloxi.com\", qop=auth, nc=0000000A, cnonce=\"0a4f113b\","
            " response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            d),
        FieldError::kOk);
    EXPECT_TRUE(d.is_digest);
    EXPECT_EQ(d.username, "bob");
    EXPECT_EQ(d.realm, "biloxi.com");
    EXPECT_EQ(d.uri, "sip:bob@biloxi.com");
    EXPECT_EQ(d.qop, "auth");
    EXPECT_TRUE(d.has_nc);
    EXPECT_EQ(d.nc, "0000000A");
    EXPECT_EQ(d.nc_value, 10u);
    EXPECT_EQ(d.cnonce, "0a4f113b");
    EXPECT_EQ(d.response, "6629fae49393a05397450978507c4ef1");
    EXPECT_EQ(d.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    EXPECT_EQ(d.algorithm, DigestAlgorithm::kNone);
}

TEST(Digest, QuotedPairsStayEscaped) {
    DigestCredentials d;
    ASSERT_EQ(parse_credentials(R"(Digest username="a\"b", realm="r,x")", d), FieldError::kOk);
    EXPECT_EQ(d.username, R"(a\"b)");
    EXPECT_EQ(d.realm, "r,x");
}

// RFC 4475 regaut01: an unknown scheme parses, with the scheme kept and the rest uninterpreted.
TEST(Digest, UnknownScheme) {
    DigestCredentials d;
    ASSERT_EQ(parse_credentials("NoOneKnowsThisScheme opaque-data=here", d), FieldError::kOk);
    EXPECT_FALSE(d.is_digest);
    EXPECT_EQ(d.scheme, "NoOneKnowsThisScheme");
    EXPECT_EQ(d.params, "opaque-data=here");
    DigestChallenge c;
    ASSERT_EQ(parse_challenge("Bearer", c), FieldError::kOk);
    EXPECT_EQ(c.scheme, "Bearer");
    EXPECT_TRUE(c.params.empty());
}

TEST(Digest, Rejects) {
    DigestCredentials d;
    DigestChallenge c;
    EXPECT_EQ(parse_credentials("", d), FieldError::kEmpty);
    EXPECT_EQ(parse_credentials("Digest", d), FieldError::kEmpty);
    EXPECT_EQ(parse_credentials("Digest username=\"bob", d), FieldError::kUnterminated);
    EXPECT_EQ(parse_credentials("Digest username", d), FieldError::kBadParam);
    EXPECT_EQ(parse_credentials("Digest username=", d), FieldError::kBadParam);
    EXPECT_EQ(parse_credentials("Digest a=1 b=2", d), FieldError::kSyntax);
    EXPECT_EQ(parse_credentials("Digest a=1,,b=2", d), FieldError::kBadParam);
    EXPECT_EQ(parse_credentials("Digest nc=123", d), FieldError::kBadParam);
    EXPECT_EQ(parse_credentials("Digest nc=0000000g", d), FieldError::kBadParam);
    EXPECT_EQ(parse_credentials("\"Digest\" a=1", d), FieldError::kSyntax);
    EXPECT_EQ(parse_challenge("Digest realm=\"r\",", c), FieldError::kBadParam);
}

TEST(Digest, AuthParamIter) {
    AuthParamIter it(" a = b ,c=\"d, e\"");
    AuthParam p;
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.name, "a");
    EXPECT_EQ(p.value, "b");
    ASSERT_TRUE(it.next(p));
    EXPECT_EQ(p.value, "d, e");
    EXPECT_TRUE(p.quoted);
    EXPECT_FALSE(it.next(p));
    EXPECT_EQ(it.error(), FieldError::kOk);
}

}  // namespace
}  // namespace sipstorm::sip
