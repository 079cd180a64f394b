// UAS/registrar side: writes a WWW-/Proxy-Authenticate challenge value into a caller buffer.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include "auth/error.hpp"
#include "sip/digest.hpp"

namespace sipstorm::auth {

struct ChallengeSpec {
    std::string_view realm;   // plain text; escaped on output
    std::string_view nonce;   // opaque to the client: base64/hex, no '"' or '\'
    std::string_view opaque;  // omitted when empty
    sip::DigestAlgorithm algorithm = sip::DigestAlgorithm::kMd5;  // kNone: no algorithm parameter
    bool qop_auth = true;                                         // qop="auth"; false: RFC 2069 form
    bool stale = false;                                           // stale=true after an expired nonce
};

// e.g. `Digest realm="example.com", nonce="...", opaque="...", algorithm=SHA-256, qop="auth"`.
// kUnsupportedAlgorithm for kOther (or a hash this OpenSSL lacks), kNoSpace when out is too small.
AuthError write_challenge(const ChallengeSpec& spec, std::span<char> out, size_t& out_len);

}  // namespace sipstorm::auth
