// Authentication headers (RFC 3261 §20.7/20.27/20.28/20.44, RFC 2617, RFC 7616, RFC 8760):
// challenges in WWW-/Proxy-Authenticate and credentials in (Proxy-)Authorization.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"

namespace sipstorm::sip {

enum class DigestAlgorithm : uint8_t {
    kNone,  // no algorithm parameter (means MD5)
    kMd5,
    kMd5Sess,
    kSha256,
    kSha256Sess,
    kSha512_256,
    kSha512_256Sess,
    kOther,
};

DigestAlgorithm digest_algorithm_from(std::string_view name);  // case-insensitive

struct AuthParam {
    std::string_view name;
    std::string_view value;  // quotes stripped when quoted; quoted-pairs left in place
    bool quoted = false;
};

// Iterates "name=value, name=value" auth-params (LWS around ',' and '=').
class AuthParamIter {
  public:
    explicit AuthParamIter(std::string_view params) : s_(params) {}
    bool next(AuthParam& out);
    FieldError error() const { return error_; }

  private:
    std::string_view s_;
    size_t pos_ = 0;
    FieldError error_ = FieldError::kOk;
};

struct DigestChallenge {
    std::string_view scheme;  // as written; compare case-insensitively
    bool is_digest = false;
    std::string_view params;  // raw text after the scheme (also for unknown schemes)
    std::string_view realm, nonce, opaque, domain;
    DigestAlgorithm algorithm = DigestAlgorithm::kNone;
    std::string_view algorithm_text;
    std::string_view qop;  // the raw qop-options list: "auth,auth-int"
    bool qop_auth = false;
    bool qop_auth_int = false;
    bool stale = false;
    bool userhash = false;
};

struct DigestCredentials {
    std::string_view scheme;
    bool is_digest = false;
    std::string_view params;
    std::string_view username, realm, nonce, uri, response, cnonce, opaque;
    DigestAlgorithm algorithm = DigestAlgorithm::kNone;
    std::string_view algorithm_text;
    std::string_view qop;  // "auth" / "auth-int" / other token
    std::string_view nc;   // 8 hex digits as written
    uint32_t nc_value = 0;
    bool has_nc = false;
    bool userhash = false;
};

// Unknown schemes succeed with scheme/params set and is_digest false (RFC 4475 regaut01); their
// params are not interpreted.
FieldError parse_challenge(std::string_view value, DigestChallenge& out);
FieldError parse_credentials(std::string_view value, DigestCredentials& out);

}  // namespace sipstorm::sip
