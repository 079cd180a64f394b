#include "auth/challenge.hpp"

#include "auth/hash.hpp"
#include "auth/writer.hpp"

namespace sipstorm::auth {

AuthError write_challenge(const ChallengeSpec& spec, std::span<char> out, size_t& out_len) {
    out_len = 0;
    AlgorithmInfo alg;
    if (!algorithm_info(spec.algorithm, alg)) return AuthError::kUnsupportedAlgorithm;
    if (alg.sess && !spec.qop_auth) return AuthError::kSessWithoutQop;
    Writer w(out);
    w.put("Digest ");
    w.escaped_param("realm", spec.realm);
    w.quoted_param("nonce", spec.nonce);
    if (!spec.opaque.empty()) w.quoted_param("opaque", spec.opaque);
    if (spec.algorithm != sip::DigestAlgorithm::kNone)
        w.token_param("algorithm", algorithm_name(spec.algorithm));
    if (spec.qop_auth) w.quoted_param("qop", "auth");
    if (spec.stale) w.token_param("stale", "true");
    if (w.overflow()) return AuthError::kNoSpace;
    out_len = w.size();
    return AuthError::kOk;
}

}  // namespace sipstorm::auth
