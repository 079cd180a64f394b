#include "auth/verify.hpp"

#include <gtest/gtest.h>

#include <string>

#include "auth/authorization.hpp"
#include "auth/challenge.hpp"
#include "auth/hash.hpp"

namespace sipstorm::auth {
namespace {

using sip::DigestAlgorithm;

TEST(Verify, Rfc2617Credentials) {
    sip::DigestCredentials c;
    ASSERT_EQ(
        sip::parse_credentials(
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, nc=00000001, "
            "cnonce=\"0a4f113b\", response=\"6629FAE49393A05397450978507C4EF1\", "
            "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
            c),
        sip::FieldError::kOk);
    EXPECT_TRUE(verify(c, "Circle Of Life", "GET"));
    EXPECT_FALSE(verify(c, "Circle of Life", "GET"));
    EXPECT_FALSE(verify(c, "Circle Of Life", "POST"));
}

// A toy registrar round trip: challenge -> client answer -> verify, for every algorithm.
class RoundTrip : public ::testing::TestWithParam<DigestAlgorithm> {};

TEST_P(RoundTrip, ChallengeAnswerVerify) {
    AlgorithmInfo info;
    if (!algorithm_info(GetParam(), info)) GTEST_SKIP() << "hash not available in this OpenSSL";
    ChallengeSpec spec;
    spec.realm = "biloxi.example.com";
    spec.nonce = "6b8b4567327b23c6";
    spec.opaque = "op1";
    spec.algorithm = GetParam();
    char chal[256];
    size_t chal_len = 0;
    ASSERT_EQ(write_challenge(spec, chal, chal_len), AuthError::kOk);
    sip::DigestChallenge c;
    ASSERT_EQ(sip::parse_challenge({chal, chal_len}, c), sip::FieldError::kOk) << std::string(chal, chal_len);
    EXPECT_EQ(c.algorithm, GetParam());
    EXPECT_TRUE(c.qop_auth);

    DigestState st;
    char buf[kAuthorizationCapacity];
    size_t len = 0;
    ASSERT_EQ(write_authorization(c, {"bob", "zanzibar"}, {"REGISTER", "sip:biloxi.example.com", {}},
                                  "abc123", st, buf, len),
              AuthError::kOk);
    sip::DigestCredentials cr;
    ASSERT_EQ(sip::parse_credentials({buf, len}, cr), sip::FieldError::kOk);
    EXPECT_TRUE(verify(cr, "zanzibar", "REGISTER"));
    EXPECT_FALSE(verify(cr, "zanzibaR", "REGISTER"));
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, RoundTrip,
                         ::testing::Values(DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess,
                                           DigestAlgorithm::kSha256, DigestAlgorithm::kSha256Sess,
                                           DigestAlgorithm::kSha512_256, DigestAlgorithm::kSha512_256Sess));

TEST(Verify, AuthIntChecksBody) {
    sip::DigestChallenge c;
    ASSERT_EQ(sip::parse_challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", c),
              sip::FieldError::kOk);
    DigestState st;
    char buf[kAuthorizationCapacity];
    size_t len = 0;
    ASSERT_EQ(write_authorization(c, {"bob", "pw"}, {"INVITE", "sip:r", "body"}, "cn", st, buf, len),
              AuthError::kOk);
    sip::DigestCredentials cr;
    ASSERT_EQ(sip::parse_credentials({buf, len}, cr), sip::FieldError::kOk);
    EXPECT_TRUE(verify(cr, "pw", "INVITE", "body"));
    EXPECT_FALSE(verify(cr, "pw", "INVITE", "tampered"));
}

TEST(Verify, RejectsIncompleteOrUnsupported) {
    sip::DigestCredentials c;
    // qop without nc/cnonce
    ASSERT_EQ(
        sip::parse_credentials("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", qop=auth, "
                               "response=\"00\"",
                               c),
        sip::FieldError::kOk);
    EXPECT_FALSE(verify(c, "pw", "REGISTER"));
    ASSERT_EQ(sip::parse_credentials("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", "
                                     "response=\"00\", userhash=true",
                                     c),
              sip::FieldError::kOk);
    EXPECT_FALSE(verify(c, "pw", "REGISTER"));
    ASSERT_EQ(sip::parse_credentials("Basic dXNlcjpwdw==", c), sip::FieldError::kOk);
    EXPECT_FALSE(verify(c, "pw", "REGISTER"));
}

TEST(Challenge, FormatAndErrors) {
    ChallengeSpec spec;
    spec.realm = "a\"b";
    spec.nonce = "n";
    spec.stale = true;
    spec.algorithm = DigestAlgorithm::kSha256;
    char buf[128];
    size_t len = 0;
    ASSERT_EQ(write_challenge(spec, buf, len), AuthError::kOk);
    EXPECT_EQ(std::string(buf, len),
              "Digest realm=\"a\\\"b\", nonce=\"n\", algorithm=SHA-256, qop=\"auth\", stale=true");
    EXPECT_EQ(write_challenge(spec, {buf, 20}, len), AuthError::kNoSpace);
    spec.algorithm = DigestAlgorithm::kOther;
    EXPECT_EQ(write_challenge(spec, buf, len), AuthError::kUnsupportedAlgorithm);
}

}  // namespace
}  // namespace sipstorm::auth
