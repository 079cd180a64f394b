// Why a digest computation or header could not be produced. Values, not exceptions: the engine
// counts them per reason and the scenario layer prints them.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace sipstorm::auth {

enum class AuthError : uint8_t {
    kOk,
    kNotDigest,             // the challenge's scheme is not Digest (e.g. Basic)
    kNoNonce,               // a Digest challenge without a nonce
    kUnsupportedAlgorithm,  // algorithm=<token> we do not know, or SHA-512-256 without OpenSSL support
    kUnsupportedQop,        // qop offered, but neither "auth" nor "auth-int"
    kSessWithoutQop,        // *-sess needs a cnonce, which only exists with qop (RFC 2617 §3.2.2.2)
    kNoSpace,               // the caller's buffer is too small
    kHashFailed,            // OpenSSL refused a digest operation
};

constexpr std::string_view to_string(AuthError e) {
    constexpr std::array<std::string_view, 8> kNames = {
        "ok",
        "not a Digest challenge",
        "challenge has no nonce",
        "unsupported digest algorithm",
        "unsupported qop (neither auth nor auth-int offered)",
        "-sess algorithm without qop (no cnonce to hash)",
        "output buffer too small",
        "digest computation failed",
    };
    return kNames[static_cast<size_t>(e)];
}

}  // namespace sipstorm::auth
