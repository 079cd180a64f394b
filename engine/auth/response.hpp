// The digest "response" value (RFC 2617 §3.2.2, RFC 7616 §3.4.1), shared by the client that sends
// credentials and the server that checks them.
#pragma once
#include <cstddef>
#include <string_view>

#include "auth/error.hpp"
#include "auth/hash.hpp"
#include "sip/digest.hpp"

namespace sipstorm::auth {

struct ResponseInput {
    sip::DigestAlgorithm algorithm = sip::DigestAlgorithm::kNone;  // kNone = MD5
    // Plain text (no quoted-pairs).
    std::string_view username, password, method, body;
    // As written inside the header's quotes: quoted-pairs are decoded while hashing.
    std::string_view realm, nonce, cnonce, uri;
    // "" for the RFC 2069 form (no qop: cnonce and nc unused), "auth" or "auth-int".
    std::string_view qop;
    std::string_view nc;  // 8 hex digits, as sent
};

// Writes hex_len(hash) lowercase hex characters to hex.
// Errors: kUnsupportedAlgorithm, kUnsupportedQop, kSessWithoutQop, kHashFailed.
AuthError compute_response(const ResponseInput& in, char (&hex)[kMaxHexLen], size_t& len);

}  // namespace sipstorm::auth
