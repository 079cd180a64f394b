#include "auth/verify.hpp"

#include "auth/response.hpp"
#include "sip/escape.hpp"

namespace sipstorm::auth {
namespace {

// Hex digests compared case-insensitively, in time independent of where they differ.
bool same_hex(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned diff = 0;
    for (size_t i = 0; i < a.size(); ++i)
        diff |= unsigned(sip::lex::to_lower(a[i]) ^ sip::lex::to_lower(b[i]));
    return diff == 0;
}

}  // namespace

bool verify(const sip::DigestCredentials& c, std::string_view password, std::string_view method,
            std::string_view body) {
    if (!c.is_digest || c.userhash || c.response.empty() || c.nonce.empty()) return false;
    if (!c.qop.empty() && (!c.has_nc || c.cnonce.empty())) return false;
    char user[256];
    size_t user_len = 0;
    if (sip::unquote(c.username, user, user_len) != sip::FieldError::kOk) return false;

    ResponseInput in;
    in.algorithm = c.algorithm;
    in.username = {user, user_len};
    in.password = password;
    in.method = method;
    in.body = body;
    in.realm = c.realm;
    in.nonce = c.nonce;
    in.cnonce = c.cnonce;
    in.uri = c.uri;
    in.qop = c.qop;
    in.nc = c.nc;
    char expected[kMaxHexLen];
    size_t len = 0;
    if (compute_response(in, expected, len) != AuthError::kOk) return false;
    return same_hex(c.response, {expected, len});
}

}  // namespace sipstorm::auth
