#include "sip/uri.hpp"

#include "sip/escape.hpp"

namespace sipstorm::sip {
namespace {

// IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each at most 255. Unrolled by octet
// because it runs for every numeric Via sent-by.
bool valid_ipv4(std::string_view s) {
    const char* p = s.data();
    const char* const end = p + s.size();
    auto digit = [&](unsigned& d) { return p != end && (d = unsigned(*p - '0')) < 10; };
    for (int part = 0; part < 4; ++part) {
        unsigned v;
        unsigned d;
        if (!digit(v)) return false;
        ++p;
        if (digit(d)) {
            v = v * 10 + d;
            ++p;
            if (digit(d)) {
                v = v * 10 + d;
                ++p;
            }
        }
        if (v > 255) return false;
        if (part < 3) {
            if (p == end || *p != '.') return false;
            ++p;
        }
    }
    return p == end;
}

// h16 groups with at most one "::" and an optional trailing dotted quad (RFC 3261 §25.1 IPv6address).
bool valid_ipv6(std::string_view s) {
    int groups = 0;
    bool compressed = false;
    size_t i = 0;
    if (s.starts_with("::")) {
        compressed = true;
        i = 2;
        if (i == s.size()) return true;
        if (s[i] == ':') return valid_ipv4(s.substr(i + 1));  // ":::192.0.2.1", tolerated as below
    } else if (!s.empty() && s[0] == ':') {
        return false;
    }
    while (i < s.size()) {
        size_t j = i;
        while (j < s.size() && lex::is_hex(s[j])) ++j;
        if (j < s.size() && s[j] == '.') {  // embedded IPv4 ends the address
            if (!valid_ipv4(s.substr(i))) return false;
            groups += 2;
            break;
        }
        if (j == i || j - i > 4) return false;
        ++groups;
        if (j == s.size()) break;
        if (s[j] != ':') return false;
        if (j + 1 < s.size() && s[j + 1] == ':') {
            if (compressed) return false;
            compressed = true;
            i = j + 2;
            if (i == s.size()) break;
            // RFC 5118 §4.10: "2001:db8:::192.0.2.1" (hexpart "::" then ":" IPv4address) is what
            // RFC 3261's ABNF admits though RFC 4291 does not; receivers must tolerate it.
            if (s[i] == ':') return valid_ipv4(s.substr(i + 1)) && groups + 2 <= 7;
        } else {
            i = j + 1;
            if (i == s.size()) return false;  // trailing single ':'
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

// hostname = *( domainlabel "." ) toplabel [ "." ]; labels do not start or end with '-', and the
// top label starts with a letter (which is what tells a name from a malformed address).
bool valid_hostname(std::string_view s) {
    if (s.ends_with('.')) s.remove_suffix(1);
    if (s.empty()) return false;
    size_t start = 0;
    for (;;) {
        size_t dot = s.find('.', start);
        const size_t end = dot == std::string_view::npos ? s.size() : dot;
        if (end == start || s[start] == '-' || s[end - 1] == '-') return false;
        if (dot == std::string_view::npos) return lex::is_alpha(s[start]);
        start = dot + 1;
    }
}

// headers = "?" header *( "&" header ), header = hname "=" hvalue; s starts after the '?'.
bool valid_uri_headers(std::string_view s) {
    size_t p = 0;
    for (;;) {
        const size_t n = lex::scan_escaped(s, p, lex::kHnvChar);
        if (n == lex::npos || n == p || n >= s.size() || s[n] != '=') return false;
        const size_t v = lex::scan_escaped(s, n + 1, lex::kHnvChar);
        if (v == lex::npos) return false;
        if (v == s.size()) return true;
        if (s[v] != '&') return false;
        p = v + 1;
    }
}

constexpr bool is_tel_char(char c) {
    return lex::is_hex(c) || c == '*' || c == '#' || c == '+' || c == '-' || c == '.' || c == '(' ||
           c == ')' || c == 'p' || c == 'w' || c == 'P' || c == 'W';
}

FieldError trailing_error(char c) {
    return (lex::is_ws(c) || c == '\r' || c == '\n') ? FieldError::kWhitespace : FieldError::kSyntax;
}

// Validates the uri-parameters at p and records the well-known ones; returns the end or npos.
size_t parse_uri_params(std::string_view s, size_t p, Uri& out, FieldError& err) {
    ParamIter it(s, ParamSyntax::kUri, p);
    Param prm;
    while (it.next(prm)) {
        if (iequals_unescaped(prm.name, "transport"))
            out.transport = prm.value;
        else if (iequals_unescaped(prm.name, "lr"))
            out.lr = true;
        else if (iequals_unescaped(prm.name, "user"))
            out.user_param = prm.value;
        else if (iequals_unescaped(prm.name, "maddr"))
            out.maddr = prm.value;
        else if (iequals_unescaped(prm.name, "method"))
            out.method = prm.value;
        else if (iequals_unescaped(prm.name, "ttl"))
            out.ttl = prm.value;
    }
    err = it.error();
    if (err != FieldError::kOk) return lex::npos;
    out.params = s.substr(p, it.pos() - p);
    return it.pos();
}

FieldError parse_sip_body(std::string_view s, Uri& out) {
    size_t p = 0;
    // userinfo is present only if a run of user chars (optionally ":" password chars) ends in '@'.
    size_t u = lex::scan_escaped(s, 0, lex::kUser);
    if (u == lex::npos) return FieldError::kBadEscape;
    if (u < s.size() && s[u] == ':') {
        const size_t pw = lex::scan_escaped(s, u + 1, lex::kPassword);
        if (pw != lex::npos && pw < s.size() && s[pw] == '@') {
            out.password = s.substr(u + 1, pw - u - 1);
            out.has_password = true;
            if (u == 0) return FieldError::kSyntax;
            out.user = s.substr(0, u);
            p = pw + 1;
        }
    } else if (u < s.size() && s[u] == '@') {
        if (u == 0) return FieldError::kSyntax;
        out.user = s.substr(0, u);
        p = u + 1;
    }
    const size_t h = scan_host(s, p, out.host_kind);
    if (h == lex::npos || h == p) {
        out.host_kind = HostKind::kNone;
        return (p < s.size() && lex::is_ws(s[p])) ? FieldError::kWhitespace : FieldError::kBadHost;
    }
    out.host = s.substr(p, h - p);
    p = h;
    if (p < s.size() && s[p] == ':') {
        p = scan_port(s, p, out.port);
        if (p == lex::npos) return FieldError::kBadPort;
        out.has_port = true;
    }
    FieldError err = FieldError::kOk;
    p = parse_uri_params(s, p, out, err);
    if (p == lex::npos) return err;
    if (p < s.size() && s[p] == '?') {
        out.headers = s.substr(p + 1);
        out.has_headers = true;
        // Headers run to the end; a space in them is reported as whitespace, not as a bad header.
        for (char c : out.headers)
            if (lex::is_ws(c) || c == '\r' || c == '\n') return FieldError::kWhitespace;
        return valid_uri_headers(out.headers) ? FieldError::kOk : FieldError::kSyntax;
    }
    return p == s.size() ? FieldError::kOk : trailing_error(s[p]);
}

FieldError parse_tel_body(std::string_view s, Uri& out) {
    size_t p = 0;
    while (p < s.size() && is_tel_char(s[p])) ++p;
    if (p == 0) return FieldError::kSyntax;
    out.user = s.substr(0, p);
    FieldError err = FieldError::kOk;
    p = parse_uri_params(s, p, out, err);
    if (p == lex::npos) return err;
    return p == s.size() ? FieldError::kOk : trailing_error(s[p]);
}

}  // namespace

size_t scan_host(std::string_view s, size_t pos, HostKind& kind) {
    if (pos < s.size() && s[pos] == '[') {
        const size_t close = s.find(']', pos);
        if (close == std::string_view::npos || !valid_ipv6(s.substr(pos + 1, close - pos - 1)))
            return lex::npos;
        kind = HostKind::kIPv6;
        return close + 1;
    }
    const size_t e = lex::scan_run<lex::kHostChar>(s, pos);
    if (e == pos) return lex::npos;
    const std::string_view h = s.substr(pos, e - pos);
    // A top label starting with a digit cannot be a hostname, so it must be an IPv4 address.
    std::string_view top = h.ends_with('.') ? h.substr(0, h.size() - 1) : h;
    const size_t dot = top.rfind('.');
    top = dot == std::string_view::npos ? top : top.substr(dot + 1);
    if (top.empty() || lex::is_digit(top[0])) {
        if (!valid_ipv4(h)) return lex::npos;
        kind = HostKind::kIPv4;
        return e;
    }
    if (!valid_hostname(h)) return lex::npos;
    kind = HostKind::kName;
    return e;
}

size_t scan_port(std::string_view s, size_t pos, uint16_t& port) {
    size_t p = pos + 1;
    uint32_t v = 0;
    while (p < s.size() && lex::is_digit(s[p])) {
        v = v * 10 + uint32_t(s[p] - '0');
        if (v > 65535) return lex::npos;
        ++p;
    }
    if (p == pos + 1) return lex::npos;
    port = static_cast<uint16_t>(v);
    return p;
}

FieldError parse_uri(std::string_view in, Uri& out) {
    out = Uri{};
    if (in.empty()) return FieldError::kEmpty;
    if (!lex::is_alpha(in[0])) return lex::is_ws(in[0]) ? FieldError::kWhitespace : FieldError::kBadScheme;
    size_t p = 1;
    while (p < in.size() &&
           (lex::is(in[p], lex::kAlpha | lex::kDigit) || in[p] == '+' || in[p] == '-' || in[p] == '.'))
        ++p;
    if (p >= in.size() || in[p] != ':') return FieldError::kBadScheme;
    out.scheme_text = in.substr(0, p);
    out.opaque = in.substr(p + 1);
    if (lex::iequals(out.scheme_text, "sip")) {
        out.scheme = Scheme::kSip;
        return parse_sip_body(out.opaque, out);
    }
    if (lex::iequals(out.scheme_text, "sips")) {
        out.scheme = Scheme::kSips;
        return parse_sip_body(out.opaque, out);
    }
    if (lex::iequals(out.scheme_text, "tel")) {
        out.scheme = Scheme::kTel;
        return parse_tel_body(out.opaque, out);
    }
    out.scheme = Scheme::kOther;
    if (out.opaque.empty()) return FieldError::kEmpty;
    // absoluteURI characters: uric plus '#'; no whitespace, controls, quotes or angle brackets.
    for (char c : out.opaque) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return trailing_error(c);
        if (c == '<' || c == '>' || c == '"') return FieldError::kSyntax;
    }
    return valid_escapes(out.opaque) ? FieldError::kOk : FieldError::kBadEscape;
}

}  // namespace sipstorm::sip
