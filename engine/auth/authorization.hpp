// UAC side of digest authentication (RFC 3261 §22.2, RFC 2617, RFC 7616, RFC 8760): answers a parsed
// WWW-/Proxy-Authenticate challenge with the value of an Authorization / Proxy-Authorization header,
// written into a caller buffer.
//
// Supported: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256(-sess) (when OpenSSL has SHA2-512/256);
// qop=auth (preferred), qop=auth-int (hashes the body given), no qop (RFC 2069 form).
// Not supported: userhash (we always send the plain username, which RFC 7616 §3.4.4 allows), username*
// (RFC 7616 §3.4.4 extended notation for non-ASCII names), Authentication-Info / rspauth checking.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "auth/error.hpp"
#include "sip/digest.hpp"

namespace sipstorm::auth {

// Per call (or per registration): the nonce we last answered (as a 64-bit key) and its nonce count.
// Answering the same nonce again increments nc; a new nonce (a stale=true re-challenge, or any other
// new challenge) restarts it at 1. Zero-initialise; 16 bytes.
struct DigestState {
    uint64_t nonce_key = 0;
    uint32_t nc = 0;
};

struct UserSecret {
    std::string_view username;  // plain text; '"' and '\' are escaped on output
    std::string_view password;
};

struct RequestInfo {
    std::string_view method;  // "REGISTER", "INVITE", ... (for ACK/CANCEL use the INVITE's, RFC 3261 §22.1)
    std::string_view uri;     // the Request-URI as sent
    std::string_view body;    // hashed only for qop=auth-int
};

// A client nonce: 16 lowercase hex digits from a 64-bit random value (caller's PRNG).
using CnonceBuf = std::array<char, 16>;
std::string_view make_cnonce(uint64_t random, CnonceBuf& buf);

// Room for any value we write given challenge fields of ordinary size: ask for more only with very
// long nonces, opaques or URIs.
inline constexpr size_t kAuthorizationCapacity = 1024;

// Writes e.g. `Digest username="bob", realm="r", nonce="n", uri="sip:r", response="...",
// algorithm=SHA-256, cnonce="...", opaque="...", qop=auth, nc=00000001` (no header name, no CRLF).
// algorithm is echoed only when the challenge had one, opaque only when present; cnonce/qop/nc only
// with qop. state advances only on success.
AuthError write_authorization(const sip::DigestChallenge& challenge, const UserSecret& user,
                              const RequestInfo& request, std::string_view cnonce, DigestState& state,
                              std::span<char> out, size_t& out_len);

// What a 401/407 means for the request it answers.
enum class ChallengeVerdict : uint8_t {
    kAnswer,    // the request had no credentials for this realm: answer the challenge
    kStale,     // stale=true: our credentials were fine, the nonce expired; answer again (nc restarts)
    kRejected,  // we sent credentials and got challenged without stale: wrong user or password
};
ChallengeVerdict classify(const sip::DigestChallenge& challenge, bool request_had_credentials);

// "Authorization" for 401 (WWW-Authenticate), "Proxy-Authorization" for 407 (Proxy-Authenticate).
constexpr std::string_view credentials_header_for(int status) {
    return status == 407 ? "Proxy-Authorization" : "Authorization";
}

// True when write_authorization can answer this challenge (Digest, nonce, known algorithm and qop).
// Among several challenges in one response (RFC 8760 §2.4: in the server's preference order), answer
// the first supported one.
bool supported(const sip::DigestChallenge& challenge);

}  // namespace sipstorm::auth
