#include "sip/name_addr.hpp"

namespace sipstorm::sip {
namespace {

// Cheap shape check for the hot path, which does not parse the URI: scheme ":" something.
bool has_scheme(std::string_view uri) {
    if (uri.empty() || !lex::is_alpha(uri[0])) return false;
    size_t p = 1;
    while (p < uri.size() &&
           (lex::is(uri[p], lex::kAlpha | lex::kDigit) || uri[p] == '+' || uri[p] == '-' || uri[p] == '.'))
        ++p;
    return p + 1 < uri.size() && uri[p] == ':';
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
bool parse_q(std::string_view v, uint16_t& out) {
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return false;
    uint16_t q = v[0] == '1' ? 1000 : 0;
    if (v.size() == 1) {
        out = q;
        return true;
    }
    if (v[1] != '.' || v.size() > 5) return false;
    uint16_t scale = 100;
    for (size_t i = 2; i < v.size(); ++i, scale /= 10) {
        if (!lex::is_digit(v[i]) || (q == 1000 && v[i] != '0')) return false;
        q = static_cast<uint16_t>(q + (v[i] - '0') * scale);
    }
    out = q;
    return true;
}

// delta-seconds; kOverflow above 2^32-1 (RFC 4475 scalar02 lets the caller treat it as a default).
FieldError parse_delta(std::string_view v, uint32_t& out) {
    if (v.empty()) return FieldError::kBadParam;
    uint64_t x = 0;
    for (char c : v) {
        if (!lex::is_digit(c)) return FieldError::kBadParam;
        x = x * 10 + uint64_t(c - '0');
        if (x > 0xffffffffu) {
            out = 0xffffffffu;
            return FieldError::kOverflow;
        }
    }
    out = static_cast<uint32_t>(x);
    return FieldError::kOk;
}

// Unquoted display-name = *(token LWS): returns the position of the '<' it precedes, or npos when
// the text is not a display name (then it must be a bare addr-spec).
size_t scan_token_display(std::string_view v, size_t& name_end) {
    size_t p = 0;
    for (;;) {
        const size_t t = lex::scan_token(v, p);
        if (t == p) return (p < v.size() && v[p] == '<') ? p : lex::npos;
        name_end = t;
        const size_t q = lex::skip_lws(v, t);
        if (q < v.size() && v[q] == '<') return q;
        if (q == t) return lex::npos;
        p = q;
    }
}

}  // namespace

FieldError parse_name_addr(std::string_view value, NameAddr& out, Uri* uri_out) {
    out = NameAddr{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    if (v == "*") {
        out.star = true;
        return FieldError::kOk;
    }
    size_t p = 0;
    size_t laquot = lex::npos;
    if (v[0] == '"') {
        const size_t e = lex::scan_quoted(v, 0);
        if (e == lex::npos) return FieldError::kUnterminated;
        out.display_name = v.substr(1, e - 2);
        out.display_quoted = true;
        laquot = lex::skip_lws(v, e);
        if (laquot >= v.size() || v[laquot] != '<') return FieldError::kSyntax;
    } else {
        size_t name_end = 0;
        laquot = scan_token_display(v, name_end);
        if (laquot != lex::npos) out.display_name = v.substr(0, name_end);
    }
    if (laquot != lex::npos) {
        const size_t raquot = v.find('>', laquot);
        if (raquot == lex::npos) return FieldError::kUnterminated;
        out.uri = v.substr(laquot + 1, raquot - laquot - 1);
        out.angle = true;
        if (out.uri.empty()) return FieldError::kEmpty;
        // RFC 4475 badaspec: "< sip:... >" is not allowed; LAQUOT/RAQUOT carry no inner LWS.
        if (lex::is_ws(out.uri.front()) || lex::is_ws(out.uri.back())) return FieldError::kWhitespace;
        p = raquot + 1;
    } else {
        // A bare addr-spec cannot hold ',', ';', '?' or LWS (RFC 3261 §20.10): its ';'s are header params.
        while (p < v.size() && v[p] != ';' && v[p] != ',' && v[p] != '?' && !lex::is_ws(v[p]) &&
               v[p] != '\r' && v[p] != '\n')
            ++p;
        out.uri = v.substr(0, p);
        if (p < v.size() && v[p] == '?') return FieldError::kSyntax;
    }
    if (!has_scheme(out.uri)) return FieldError::kBadScheme;

    // From/To on the per-message path are almost always "...>;tag=token" and nothing more.
    if (v.size() - p > 5 && lex::iequals_lit(v.substr(p, 5), ";tag=") &&
        lex::scan_token(v, p + 5) == v.size()) {
        out.params = v.substr(p);
        out.tag = v.substr(p + 5);
        out.has_tag = true;
        return uri_out != nullptr ? parse_uri(out.uri, *uri_out) : FieldError::kOk;
    }
    ParamIter it(v, ParamSyntax::kHeader, p);
    Param prm;
    size_t last = p;
    bool any = false;
    FieldError deferred = FieldError::kOk;
    while (it.next(prm)) {
        any = true;
        last = it.pos();
        const std::string_view n = prm.name;
        if (n.size() == 3 && lex::iequals_lit(n, "tag")) {
            if (!prm.has_value || prm.quoted) return FieldError::kBadParam;
            out.tag = prm.value;
            out.has_tag = true;
        } else if (n.size() == 7 && lex::iequals_lit(n, "expires")) {
            const FieldError e = prm.quoted ? FieldError::kBadParam : parse_delta(prm.value, out.expires);
            if (e == FieldError::kBadParam) return e;
            if (e == FieldError::kOverflow) deferred = e;
            out.has_expires = true;
        } else if (n.size() == 1 && lex::to_lower(n[0]) == 'q') {
            if (prm.quoted || !parse_q(prm.value, out.q)) return FieldError::kBadParam;
            out.has_q = true;
        }
    }
    if (it.error() != FieldError::kOk) return it.error();
    if (it.pos() != v.size()) {
        const char c = v[it.pos()];
        return (lex::is_ws(c) || c == '\r' || c == '\n') ? FieldError::kWhitespace : FieldError::kSyntax;
    }
    if (any) out.params = v.substr(v.find(';', p), last - v.find(';', p));
    if (uri_out != nullptr) {
        const FieldError e = parse_uri(out.uri, *uri_out);
        if (e != FieldError::kOk) return e;
    }
    return deferred;
}

bool NameAddrIter::next(NameAddr& out, Uri* uri_out) {
    if (error_ != FieldError::kOk) return false;
    std::string_view v;
    if (!it_.next(v)) {
        if (it_.error()) error_ = FieldError::kUnterminated;
        return false;
    }
    error_ = parse_name_addr(v, out, uri_out);
    // An overlarge expires is saturated, not fatal: the other values of the list stay usable.
    if (error_ == FieldError::kOverflow) error_ = FieldError::kOk;
    return error_ == FieldError::kOk;
}

}  // namespace sipstorm::sip
