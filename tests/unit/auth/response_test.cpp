#include "auth/response.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sipstorm::auth {
namespace {

using sip::DigestAlgorithm;

std::string response(const ResponseInput& in) {
    char hex[kMaxHexLen];
    size_t len = 0;
    const AuthError e = compute_response(in, hex, len);
    if (e != AuthError::kOk) return std::string("error: ") + std::string(to_string(e));
    return {hex, len};
}

// RFC 2617 §3.5.
TEST(DigestResponse, Rfc2617CircleOfLife) {
    ResponseInput in;
    in.algorithm = DigestAlgorithm::kNone;
    in.username = "Mufasa";
    in.password = "Circle Of Life";
    in.realm = "testrealm@host.com";
    in.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
    in.cnonce = "0a4f113b";
    in.nc = "00000001";
    in.qop = "auth";
    in.method = "GET";
    in.uri = "/dir/index.html";
    EXPECT_EQ(response(in), "6629fae49393a05397450978507c4ef1");
}

// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
ResponseInput rfc7616(DigestAlgorithm a) {
    ResponseInput in;
    in.algorithm = a;
    in.username = "Mufasa";
    in.password = "Circle of Life";
    in.realm = "http-auth@example.org";
    in.nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    in.nc = "00000001";
    in.qop = "auth";
    in.method = "GET";
    in.uri = "/dir/index.html";
    return in;
}

TEST(DigestResponse, Rfc7616Md5) {
    EXPECT_EQ(response(rfc7616(DigestAlgorithm::kMd5)), "8ca523f5e9506fed4657c9700eebdbec");
}

TEST(DigestResponse, Rfc7616Sha256) {
    EXPECT_EQ(response(rfc7616(DigestAlgorithm::kSha256)),
              "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

// A SIP REGISTER; expected values computed independently (Python hashlib) from the RFC 2617/7616 formulas.
ResponseInput sip_register(DigestAlgorithm a) {
    ResponseInput in;
    in.algorithm = a;
    in.username = "alice";
    in.password = "s3cr3t";
    in.realm = "atlanta.example.com";
    in.nonce = "8fa3b9c2d1e0";
    in.cnonce = "0a4f113b";
    in.nc = "00000001";
    in.qop = "auth";
    in.method = "REGISTER";
    in.uri = "sip:atlanta.example.com";
    return in;
}

TEST(DigestResponse, SipRegisterAllAlgorithms) {
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kMd5)), "601455aba1f5d3db12f37a1c582432e9");
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kMd5Sess)), "8aa3380515fb0a357a45e0d621438fa2");
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kSha256)),
              "ce7240e46b0376e04b18b5aa4defad6965c9e5193d71ba681f794d339c8ea650");
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kSha256Sess)),
              "adb737802d6b97d2ded88fa50defe1dd310b8b4cdf4f80a460ff8e04ce688678");
    AlgorithmInfo info;
    if (!algorithm_info(DigestAlgorithm::kSha512_256, info)) GTEST_SKIP() << "OpenSSL lacks SHA2-512/256";
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kSha512_256)),
              "140ee95b6811b3d1ac25cb031ad849e35b07d079c08ff130b86638e65c9ef47c");
    EXPECT_EQ(response(sip_register(DigestAlgorithm::kSha512_256Sess)),
              "e2277e2e61d23953ee5ee52a6e405419f8b7893ce62039d5d45c1ea936e98651");
}

TEST(DigestResponse, Rfc2069NoQop) {
    ResponseInput in = sip_register(DigestAlgorithm::kMd5);
    in.qop = {};
    in.cnonce = "ignored";
    in.nc = "ignored";
    in.method = "INVITE";
    in.uri = "sip:bob@biloxi.example.com";
    EXPECT_EQ(response(in), "61c1d654aede1b3b768aaca432ee0ec6");
}

TEST(DigestResponse, AuthIntHashesBody) {
    ResponseInput in = sip_register(DigestAlgorithm::kSha256);
    in.qop = "auth-int";
    in.method = "INVITE";
    in.uri = "sip:bob@biloxi.example.com";
    in.body = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n";
    EXPECT_EQ(response(in), "a2d9ade301909b76d38f0a40a7ab75f2d46c8c6bcb7eb86112dc1b84690c0653");
}

TEST(DigestResponse, QuotedPairsInRealmAreDecoded) {
    ResponseInput in;
    in.username = "bo\"b";  // plain
    in.password = "pw";
    in.realm = "a\\\"b";  // wire form of a"b
    in.nonce = "n1";
    in.cnonce = "c1";
    in.nc = "00000001";
    in.qop = "auth";
    in.method = "REGISTER";
    in.uri = "sip:x";
    EXPECT_EQ(response(in), "89154d63e863ea7c05eff223b2382dfd");
}

TEST(DigestResponse, Errors) {
    ResponseInput in = sip_register(DigestAlgorithm::kOther);
    EXPECT_EQ(response(in), "error: unsupported digest algorithm");
    in = sip_register(DigestAlgorithm::kMd5Sess);
    in.qop = {};
    EXPECT_EQ(response(in), "error: -sess algorithm without qop (no cnonce to hash)");
    in = sip_register(DigestAlgorithm::kMd5);
    in.qop = "auth-conf";
    EXPECT_EQ(response(in), "error: unsupported qop (neither auth nor auth-int offered)");
}

}  // namespace
}  // namespace sipstorm::auth
