#include "auth/response.hpp"

#include "sip/lex.hpp"

namespace sipstorm::auth {

AuthError compute_response(const ResponseInput& in, char (&hex)[kMaxHexLen], size_t& len) {
    len = 0;
    AlgorithmInfo alg;
    if (!algorithm_info(in.algorithm, alg)) return AuthError::kUnsupportedAlgorithm;
    const bool int_qop = sip::lex::iequals(in.qop, "auth-int");
    if (!in.qop.empty() && !int_qop && !sip::lex::iequals(in.qop, "auth")) return AuthError::kUnsupportedQop;
    if (alg.sess && in.qop.empty()) return AuthError::kSessWithoutQop;

    const size_t n = hex_len(alg.hash);
    char ha1[kMaxHexLen], ha2[kMaxHexLen], hbody[kMaxHexLen];
    Hasher h;
    // HA1 = H(username:realm:password); -sess: H(HA1:nonce:cnonce)
    h.begin(alg.hash);
    h.add(in.username);
    h.add(":");
    h.add_unquoted(in.realm);
    h.add(":");
    h.add(in.password);
    if (h.finish_hex(ha1) != n) return AuthError::kHashFailed;
    if (alg.sess) {
        h.begin(alg.hash);
        h.add({ha1, n});
        h.add(":");
        h.add_unquoted(in.nonce);
        h.add(":");
        h.add_unquoted(in.cnonce);
        if (h.finish_hex(ha1) != n) return AuthError::kHashFailed;
    }
    // HA2 = H(method:uri); auth-int: H(method:uri:H(body))
    if (int_qop) {
        h.begin(alg.hash);
        h.add(in.body);
        if (h.finish_hex(hbody) != n) return AuthError::kHashFailed;
    }
    h.begin(alg.hash);
    h.add(in.method);
    h.add(":");
    h.add_unquoted(in.uri);
    if (int_qop) {
        h.add(":");
        h.add({hbody, n});
    }
    if (h.finish_hex(ha2) != n) return AuthError::kHashFailed;
    // response = H(HA1:nonce:HA2) or H(HA1:nonce:nc:cnonce:qop:HA2)
    h.begin(alg.hash);
    h.add({ha1, n});
    h.add(":");
    h.add_unquoted(in.nonce);
    h.add(":");
    if (!in.qop.empty()) {
        h.add(in.nc);
        h.add(":");
        h.add_unquoted(in.cnonce);
        h.add(":");
        h.add(in.qop);
        h.add(":");
    }
    h.add({ha2, n});
    if (h.finish_hex(hex) != n) return AuthError::kHashFailed;
    len = n;
    return AuthError::kOk;
}

}  // namespace sipstorm::auth
