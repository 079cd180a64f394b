#include "auth/authorization.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipstorm::auth {
namespace {

struct Answer {
    AuthError error;
    std::string value;
};

Answer answer(std::string_view challenge, const UserSecret& user, const RequestInfo& req,
              std::string_view cnonce, DigestState& state, size_t capacity = kAuthorizationCapacity) {
    sip::DigestChallenge c;
    EXPECT_EQ(sip::parse_challenge(challenge, c), sip::FieldError::kOk) << challenge;
    char buf[kAuthorizationCapacity];
    size_t len = 0;
    const AuthError e = write_authorization(c, user, req, cnonce, state, {buf, capacity}, len);
    return {e, std::string(buf, len)};
}

constexpr std::string_view kRfc2617 =
    "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

TEST(Authorization, Rfc2617Header) {
    DigestState st;
    const Answer a =
        answer(kRfc2617, {"Mufasa", "Circle Of Life"}, {"GET", "/dir/index.html", {}}, "0a4f113b", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_EQ(a.value,
              "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
              "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
              "response=\"6629fae49393a05397450978507c4ef1\", cnonce=\"0a4f113b\", "
              "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001");
    EXPECT_EQ(st.nc, 1u);
}

TEST(Authorization, Rfc7616Sha256HeaderParsesBack) {
    DigestState st;
    const Answer a = answer(
        "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
        "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
        {"Mufasa", "Circle of Life"}, {"GET", "/dir/index.html", {}},
        "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    sip::DigestCredentials cr;
    ASSERT_EQ(sip::parse_credentials(a.value, cr), sip::FieldError::kOk);
    EXPECT_EQ(cr.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    EXPECT_EQ(cr.algorithm_text, "SHA-256");
    EXPECT_EQ(cr.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
    EXPECT_EQ(cr.qop, "auth");
    EXPECT_EQ(cr.nc_value, 1u);
    EXPECT_EQ(cr.uri, "/dir/index.html");
}

constexpr std::string_view kSip =
    "Digest realm=\"atlanta.example.com\", nonce=\"8fa3b9c2d1e0\", qop=\"auth\", algorithm=MD5";
const UserSecret kAlice{"alice", "s3cr3t"};
const RequestInfo kRegister{"REGISTER", "sip:atlanta.example.com", {}};

TEST(Authorization, NonceCountIncrementsPerNonce) {
    DigestState st;
    Answer a = answer(kSip, kAlice, kRegister, "0a4f113b", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_NE(a.value.find("response=\"601455aba1f5d3db12f37a1c582432e9\""), std::string::npos) << a.value;
    EXPECT_NE(a.value.find("algorithm=MD5"), std::string::npos);
    EXPECT_NE(a.value.find("nc=00000001"), std::string::npos);
    a = answer(kSip, kAlice, kRegister, "0a4f113b", st);
    EXPECT_NE(a.value.find("nc=00000002"), std::string::npos);
    EXPECT_NE(a.value.find("response=\"6d5adfbf592fd954d8a65c986f86ea48\""), std::string::npos) << a.value;
    for (int i = 0; i < 13; ++i) a = answer(kSip, kAlice, kRegister, "0a4f113b", st);
    EXPECT_NE(a.value.find("nc=0000000f"), std::string::npos) << a.value;
    a = answer(kSip, kAlice, kRegister, "0a4f113b", st);
    EXPECT_NE(a.value.find("nc=00000010"), std::string::npos) << a.value;
    EXPECT_EQ(st.nc, 16u);
}

TEST(Authorization, StaleRechallengeRestartsNonceCount) {
    DigestState st;
    answer(kSip, kAlice, kRegister, "c1", st);
    answer(kSip, kAlice, kRegister, "c1", st);
    ASSERT_EQ(st.nc, 2u);
    // The registrar expires the nonce: a 401 with stale=true and a new nonce.
    sip::DigestChallenge c;
    constexpr std::string_view kStale =
        "Digest realm=\"atlanta.example.com\", nonce=\"new-nonce-2\", qop=\"auth\", stale=TRUE";
    ASSERT_EQ(sip::parse_challenge(kStale, c), sip::FieldError::kOk);
    EXPECT_EQ(classify(c, true), ChallengeVerdict::kStale);
    const Answer a = answer(kStale, kAlice, kRegister, "c2", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_NE(a.value.find("nonce=\"new-nonce-2\""), std::string::npos);
    EXPECT_NE(a.value.find("nc=00000001"), std::string::npos);
    EXPECT_EQ(a.value.find("algorithm="), std::string::npos);  // not in the challenge: not echoed
    EXPECT_EQ(st.nc, 1u);
}

TEST(Authorization, Classify) {
    sip::DigestChallenge c;
    ASSERT_EQ(sip::parse_challenge(kSip, c), sip::FieldError::kOk);
    EXPECT_EQ(classify(c, false), ChallengeVerdict::kAnswer);
    EXPECT_EQ(classify(c, true), ChallengeVerdict::kRejected);
    EXPECT_EQ(credentials_header_for(401), "Authorization");
    EXPECT_EQ(credentials_header_for(407), "Proxy-Authorization");
}

TEST(Authorization, Rfc2069NoQop) {
    DigestState st;
    const Answer a = answer("Digest realm=\"atlanta.example.com\", nonce=\"8fa3b9c2d1e0\"", kAlice,
                            {"INVITE", "sip:bob@biloxi.example.com", {}}, "unused", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_EQ(a.value,
              "Digest username=\"alice\", realm=\"atlanta.example.com\", nonce=\"8fa3b9c2d1e0\", "
              "uri=\"sip:bob@biloxi.example.com\", response=\"61c1d654aede1b3b768aaca432ee0ec6\"");
}

TEST(Authorization, AuthIntWhenOnlyOffered) {
    DigestState st;
    const Answer a = answer(
        "Digest realm=\"atlanta.example.com\", nonce=\"8fa3b9c2d1e0\", qop=\"auth-int\", algorithm=SHA-256",
        kAlice, {"INVITE", "sip:bob@biloxi.example.com", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"}, "0a4f113b",
        st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_NE(a.value.find("qop=auth-int"), std::string::npos);
    EXPECT_NE(a.value.find("a2d9ade301909b76d38f0a40a7ab75f2d46c8c6bcb7eb86112dc1b84690c0653"),
              std::string::npos);
}

TEST(Authorization, SessAlgorithmsEchoed) {
    DigestState st;
    const Answer a = answer(
        "Digest realm=\"atlanta.example.com\", nonce=\"8fa3b9c2d1e0\", qop=\"auth\", algorithm=sha-256-sess",
        kAlice, kRegister, "0a4f113b", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_NE(a.value.find("algorithm=sha-256-sess"), std::string::npos);  // echoed as written
    EXPECT_NE(a.value.find("adb737802d6b97d2ded88fa50defe1dd310b8b4cdf4f80a460ff8e04ce688678"),
              std::string::npos);
}

TEST(Authorization, EscapesUsernameAndEmptyOpaqueIsEchoed) {
    DigestState st;
    const Answer a = answer("Digest realm=\"r\", nonce=\"n\", opaque=\"\"", {"a\"b\\c", "pw"},
                            {"REGISTER", "sip:r", {}}, "c", st);
    ASSERT_EQ(a.error, AuthError::kOk);
    EXPECT_EQ(a.value.rfind("Digest username=\"a\\\"b\\\\c\", ", 0), 0u) << a.value;
    EXPECT_NE(a.value.find("opaque=\"\""), std::string::npos);
}

TEST(Authorization, Errors) {
    DigestState st;
    EXPECT_EQ(answer("Basic realm=\"r\"", kAlice, kRegister, "c", st).error, AuthError::kNotDigest);
    EXPECT_EQ(answer("Digest realm=\"r\", algorithm=MD5", kAlice, kRegister, "c", st).error,
              AuthError::kNoNonce);
    EXPECT_EQ(
        answer("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5", kAlice, kRegister, "c", st).error,
        AuthError::kUnsupportedAlgorithm);
    EXPECT_EQ(answer("Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"", kAlice, kRegister, "c", st).error,
              AuthError::kUnsupportedQop);
    EXPECT_EQ(answer("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess", kAlice, kRegister, "c", st).error,
              AuthError::kSessWithoutQop);
    EXPECT_EQ(answer(kSip, kAlice, kRegister, "c", st, 40).error, AuthError::kNoSpace);
    EXPECT_EQ(st.nc, 0u);  // nothing written, nothing counted
}

TEST(Authorization, SupportedPicksFirstUsableChallenge) {
    sip::DigestChallenge a, b;
    ASSERT_EQ(sip::parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-999", a),
              sip::FieldError::kOk);
    ASSERT_EQ(sip::parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", b),
              sip::FieldError::kOk);
    EXPECT_FALSE(supported(a));
    EXPECT_TRUE(supported(b));
}

TEST(Authorization, MakeCnonce) {
    CnonceBuf buf;
    EXPECT_EQ(make_cnonce(0x0123456789abcdefull, buf), "0123456789abcdef");
    EXPECT_EQ(make_cnonce(42, buf), "000000000000002a");
}

}  // namespace
}  // namespace sipstorm::auth
