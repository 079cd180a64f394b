#include "auth/authorization.hpp"

#include "auth/hash.hpp"
#include "auth/response.hpp"
#include "auth/writer.hpp"

namespace sipstorm::auth {
namespace {

// FNV-1a; 0 is reserved for "no nonce yet".
uint64_t nonce_key(std::string_view nonce) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : nonce) h = (h ^ c) * 0x100000001b3ull;
    return h == 0 ? 1 : h;
}

void hex8(uint32_t v, char (&out)[8]) {
    constexpr char kHex[] = "0123456789abcdef";
    for (int i = 7; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
}

// "auth" when offered, else "auth-int", else "" (no qop); unsupported when only unknown options.
AuthError choose_qop(const sip::DigestChallenge& c, std::string_view& qop) {
    if (c.qop_auth)
        qop = "auth";
    else if (c.qop_auth_int)
        qop = "auth-int";
    else if (c.qop.find_first_not_of(" \t\r\n,") != std::string_view::npos)
        return AuthError::kUnsupportedQop;
    else
        qop = {};
    return AuthError::kOk;
}

AuthError check(const sip::DigestChallenge& c) {
    if (!c.is_digest) return AuthError::kNotDigest;
    if (c.nonce.empty()) return AuthError::kNoNonce;
    AlgorithmInfo alg;
    if (!algorithm_info(c.algorithm, alg)) return AuthError::kUnsupportedAlgorithm;
    std::string_view qop;
    if (AuthError e = choose_qop(c, qop); e != AuthError::kOk) return e;
    if (alg.sess && qop.empty()) return AuthError::kSessWithoutQop;
    return AuthError::kOk;
}

}  // namespace

std::string_view make_cnonce(uint64_t random, CnonceBuf& buf) {
    constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < buf.size(); ++i, random >>= 4) buf[buf.size() - 1 - i] = kHex[random & 15];
    return {buf.data(), buf.size()};
}

bool supported(const sip::DigestChallenge& challenge) {
    return check(challenge) == AuthError::kOk;
}

AuthError write_authorization(const sip::DigestChallenge& c, const UserSecret& user, const RequestInfo& req,
                              std::string_view cnonce, DigestState& state, std::span<char> out,
                              size_t& out_len) {
    out_len = 0;
    if (AuthError e = check(c); e != AuthError::kOk) return e;
    std::string_view qop;
    choose_qop(c, qop);

    const uint64_t key = nonce_key(c.nonce);
    const uint32_t nc = key == state.nonce_key ? state.nc + 1 : 1;
    char nc_hex[8];
    hex8(nc, nc_hex);

    ResponseInput in;
    in.algorithm = c.algorithm;
    in.username = user.username;
    in.password = user.password;
    in.method = req.method;
    in.body = req.body;
    in.realm = c.realm;
    in.nonce = c.nonce;
    in.cnonce = cnonce;
    in.uri = req.uri;
    in.qop = qop;
    in.nc = {nc_hex, 8};
    char response[kMaxHexLen];
    size_t response_len = 0;
    if (AuthError e = compute_response(in, response, response_len); e != AuthError::kOk) return e;

    Writer w(out);
    w.put("Digest ");
    w.escaped_param("username", user.username);
    w.quoted_param("realm", c.realm);
    w.quoted_param("nonce", c.nonce);
    w.quoted_param("uri", req.uri);
    w.quoted_param("response", {response, response_len});
    if (!c.algorithm_text.empty()) w.token_param("algorithm", c.algorithm_text);
    if (!qop.empty()) w.quoted_param("cnonce", cnonce);
    if (c.opaque.data() != nullptr) w.quoted_param("opaque", c.opaque);
    if (!qop.empty()) {
        w.token_param("qop", qop);
        w.token_param("nc", {nc_hex, 8});
    }
    if (w.overflow()) return AuthError::kNoSpace;
    out_len = w.size();
    state.nonce_key = key;
    state.nc = nc;
    return AuthError::kOk;
}

ChallengeVerdict classify(const sip::DigestChallenge& challenge, bool request_had_credentials) {
    if (!request_had_credentials) return ChallengeVerdict::kAnswer;
    return challenge.stale ? ChallengeVerdict::kStale : ChallengeVerdict::kRejected;
}

}  // namespace sipstorm::auth
