#include "sip/scalars.hpp"

#include "sip/method.hpp"

namespace sipstorm::sip {
namespace {

// 1*DIGIT at p with value <= max; returns the end, or npos with err set.
size_t scan_uint(std::string_view s, size_t p, uint32_t max, uint32_t& out, FieldError& err) {
    const size_t start = p;
    uint64_t v = 0;
    while (p < s.size() && lex::is_digit(s[p])) {
        v = v * 10 + uint64_t(s[p] - '0');
        if (v > max) {
            out = max;
            err = FieldError::kOverflow;
            return lex::npos;
        }
        ++p;
    }
    if (p == start) {
        err = p < s.size() ? FieldError::kSyntax : FieldError::kEmpty;
        return lex::npos;
    }
    out = static_cast<uint32_t>(v);
    return p;
}

// LWS Method, then nothing: the tail shared by CSeq and RAck.
FieldError parse_method_tail(std::string_view v, size_t p, Method& method, std::string_view& text) {
    const size_t m = lex::skip_lws(v, p);
    if (m == p) return p < v.size() ? FieldError::kSyntax : FieldError::kEmpty;
    const size_t e = lex::scan_token(v, m);
    if (e == m) return m < v.size() ? FieldError::kSyntax : FieldError::kEmpty;
    if (e != v.size()) return FieldError::kSyntax;
    text = v.substr(m, e - m);
    method = method_from_text(text);
    return FieldError::kOk;
}

}  // namespace

FieldError parse_uint(std::string_view value, uint32_t max, uint32_t& out) {
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    FieldError err = FieldError::kOk;
    const size_t e = scan_uint(v, 0, max, out, err);
    if (e == lex::npos) return err;
    return e == v.size() ? FieldError::kOk : FieldError::kSyntax;
}

FieldError parse_cseq(std::string_view value, CSeq& out) {
    out = CSeq{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    FieldError err = FieldError::kOk;
    const size_t p = scan_uint(v, 0, kMaxCSeq, out.number, err);
    if (p == lex::npos) return err;
    return parse_method_tail(v, p, out.method, out.method_text);
}

FieldError parse_max_forwards(std::string_view value, uint8_t& out) {
    uint32_t v = 0;
    const FieldError err = parse_uint(value, 255, v);
    out = static_cast<uint8_t>(v);
    return err;
}

FieldError parse_content_length(std::string_view value, uint32_t& out) {
    return parse_uint(value, kMaxContentLength, out);
}

FieldError parse_expires(std::string_view value, uint32_t& out) {
    return parse_uint(value, 0xffffffffu, out);
}

FieldError parse_rseq(std::string_view value, uint32_t& out) {
    const FieldError err = parse_uint(value, 0xffffffffu, out);
    if (err == FieldError::kOk && out == 0) return FieldError::kSyntax;  // response-num starts at 1
    return err;
}

FieldError parse_rack(std::string_view value, RAck& out) {
    out = RAck{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    FieldError err = FieldError::kOk;
    size_t p = scan_uint(v, 0, 0xffffffffu, out.rseq, err);
    if (p == lex::npos) return err;
    if (out.rseq == 0) return FieldError::kSyntax;
    const size_t c = lex::skip_lws(v, p);
    if (c == p) return c < v.size() ? FieldError::kSyntax : FieldError::kEmpty;
    p = scan_uint(v, c, kMaxCSeq, out.cseq, err);
    if (p == lex::npos) return err;
    return parse_method_tail(v, p, out.method, out.method_text);
}

FieldError validate_call_id(std::string_view value) {
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    size_t p = lex::scan_run<lex::kWord>(v, 0);
    if (p == 0) return FieldError::kSyntax;
    if (p < v.size() && v[p] == '@') {
        const size_t e = lex::scan_run<lex::kWord>(v, p + 1);
        if (e == p + 1) return FieldError::kSyntax;
        p = e;
    }
    return p == v.size() ? FieldError::kOk : FieldError::kSyntax;
}

}  // namespace sipstorm::sip
