#include "sip/digest.hpp"

namespace sipstorm::sip {
namespace {

// auth-scheme LWS rest; returns the start of the rest (value end when there is none) or npos.
size_t split_scheme(std::string_view v, std::string_view& scheme, std::string_view& params) {
    const size_t e = lex::scan_token(v, 0);
    if (e == 0) return lex::npos;
    scheme = v.substr(0, e);
    if (e == v.size()) return e;
    const size_t p = lex::skip_lws(v, e);
    if (p == e) return lex::npos;
    params = v.substr(p);
    return p;
}

bool is_true(const AuthParam& p) {
    return lex::iequals(p.value, "true");
}

// qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT
void parse_qop_options(std::string_view list, DigestChallenge& out) {
    lex::for_each_value(list, [&](std::string_view q) {
        if (lex::iequals(q, "auth"))
            out.qop_auth = true;
        else if (lex::iequals(q, "auth-int"))
            out.qop_auth_int = true;
        return true;
    });
}

bool parse_nc(std::string_view nc, uint32_t& out) {
    if (nc.size() != 8) return false;
    uint32_t v = 0;
    for (char c : nc) {
        if (!lex::is_hex(c)) return false;
        v = v << 4 | uint32_t(lex::is_digit(c) ? c - '0' : lex::to_lower(c) - 'a' + 10);
    }
    out = v;
    return true;
}

}  // namespace

DigestAlgorithm digest_algorithm_from(std::string_view a) {
    if (lex::iequals(a, "MD5")) return DigestAlgorithm::kMd5;
    if (lex::iequals(a, "MD5-sess")) return DigestAlgorithm::kMd5Sess;
    if (lex::iequals(a, "SHA-256")) return DigestAlgorithm::kSha256;
    if (lex::iequals(a, "SHA-256-sess")) return DigestAlgorithm::kSha256Sess;
    if (lex::iequals(a, "SHA-512-256")) return DigestAlgorithm::kSha512_256;
    if (lex::iequals(a, "SHA-512-256-sess")) return DigestAlgorithm::kSha512_256Sess;
    return DigestAlgorithm::kOther;
}

bool AuthParamIter::next(AuthParam& out) {
    if (error_ != FieldError::kOk) return false;
    size_t p = lex::skip_lws(s_, pos_);
    if (p >= s_.size()) {
        pos_ = p;
        return false;
    }
    if (pos_ != 0) {  // every param after the first follows a comma
        if (s_[p] != ',') {
            error_ = FieldError::kSyntax;
            return false;
        }
        p = lex::skip_lws(s_, p + 1);
    }
    out = AuthParam{};
    const size_t ne = lex::scan_token(s_, p);
    if (ne == p) {
        error_ = FieldError::kBadParam;
        return false;
    }
    out.name = s_.substr(p, ne - p);
    p = lex::skip_lws(s_, ne);
    if (p >= s_.size() || s_[p] != '=') {
        error_ = FieldError::kBadParam;
        return false;
    }
    p = lex::skip_lws(s_, p + 1);
    if (p < s_.size() && s_[p] == '"') {
        const size_t e = lex::scan_quoted(s_, p);
        if (e == lex::npos) {
            error_ = FieldError::kUnterminated;
            return false;
        }
        out.value = s_.substr(p + 1, e - p - 2);
        out.quoted = true;
        p = e;
    } else {
        const size_t e = lex::scan_token(s_, p);
        if (e == p) {
            error_ = FieldError::kBadParam;
            return false;
        }
        out.value = s_.substr(p, e - p);
        p = e;
    }
    // pos_ == 0 marks "first param"; a value ending at 0 is impossible, so this stays unambiguous.
    pos_ = p;
    return true;
}

namespace {

// The frame both headers share: "Scheme param, param ..." into out.scheme / out.params, then each
// auth-param of a Digest value handed to `field`, which may reject it. Other schemes parse with
// their parameters left raw.
template <class Out, class Field>
FieldError parse_auth_value(std::string_view value, Out& out, Field&& field) {
    out = Out{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    if (split_scheme(v, out.scheme, out.params) == lex::npos) return FieldError::kSyntax;
    out.is_digest = lex::iequals(out.scheme, "Digest");
    if (!out.is_digest) return FieldError::kOk;
    if (out.params.empty()) return FieldError::kEmpty;
    AuthParamIter it(out.params);
    AuthParam p;
    while (it.next(p))
        if (FieldError e = field(p); e != FieldError::kOk) return e;
    return it.error();
}

}  // namespace

FieldError parse_challenge(std::string_view value, DigestChallenge& out) {
    return parse_auth_value(value, out, [&out](const AuthParam& p) {
        const std::string_view n = p.name;
        if (lex::iequals_lit(n, "realm"))
            out.realm = p.value;
        else if (lex::iequals_lit(n, "nonce"))
            out.nonce = p.value;
        else if (lex::iequals_lit(n, "opaque"))
            out.opaque = p.value;
        else if (lex::iequals_lit(n, "domain"))
            out.domain = p.value;
        else if (lex::iequals_lit(n, "stale"))
            out.stale = is_true(p);
        else if (lex::iequals_lit(n, "userhash"))
            out.userhash = is_true(p);
        else if (lex::iequals_lit(n, "algorithm")) {
            out.algorithm_text = p.value;
            out.algorithm = digest_algorithm_from(p.value);
        } else if (lex::iequals_lit(n, "qop")) {
            out.qop = p.value;
            parse_qop_options(p.value, out);
        }
        return FieldError::kOk;
    });
}

FieldError parse_credentials(std::string_view value, DigestCredentials& out) {
    return parse_auth_value(value, out, [&out](const AuthParam& p) {
        const std::string_view n = p.name;
        if (lex::iequals_lit(n, "username"))
            out.username = p.value;
        else if (lex::iequals_lit(n, "realm"))
            out.realm = p.value;
        else if (lex::iequals_lit(n, "nonce"))
            out.nonce = p.value;
        else if (lex::iequals_lit(n, "uri"))
            out.uri = p.value;
        else if (lex::iequals_lit(n, "response"))
            out.response = p.value;
        else if (lex::iequals_lit(n, "cnonce"))
            out.cnonce = p.value;
        else if (lex::iequals_lit(n, "opaque"))
            out.opaque = p.value;
        else if (lex::iequals_lit(n, "qop"))
            out.qop = p.value;
        else if (lex::iequals_lit(n, "userhash"))
            out.userhash = is_true(p);
        else if (lex::iequals_lit(n, "algorithm")) {
            out.algorithm_text = p.value;
            out.algorithm = digest_algorithm_from(p.value);
        } else if (lex::iequals_lit(n, "nc")) {
            out.nc = p.value;
            out.has_nc = true;
            if (!parse_nc(p.value, out.nc_value)) return FieldError::kBadParam;
        }
        return FieldError::kOk;
    });
}

}  // namespace sipstorm::sip
