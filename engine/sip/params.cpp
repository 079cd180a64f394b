#include "sip/params.hpp"

namespace sipstorm::sip {
namespace {

// gen-value = token / host / quoted-string; host covers a bracketed IPv6 reference.
size_t scan_gen_value(std::string_view s, size_t p, Param& out) {
    if (p >= s.size()) return lex::npos;
    if (s[p] == '"') {
        const size_t e = lex::scan_quoted(s, p);
        if (e == lex::npos) return lex::npos;
        out.value = s.substr(p + 1, e - p - 2);
        out.quoted = true;
        return e;
    }
    size_t e;
    if (s[p] == '[') {
        e = p + 1;
        while (e < s.size() && (lex::is_hex(s[e]) || s[e] == ':' || s[e] == '.')) ++e;
        if (e >= s.size() || s[e] != ']' || e == p + 1) return lex::npos;
        ++e;
    } else {
        e = lex::scan_token(s, p);
        // via-received takes a bare IPv6address (RFC 3261 §25.1, RFC 5118 §4.5): a hex run (maybe
        // empty, as in "::1") followed by ':' continues as an address.
        if (e < s.size() && s[e] == ':' && lex::scan(s, p, lex::kHex) == e) {
            while (e < s.size() && (lex::is_hex(s[e]) || s[e] == ':' || s[e] == '.')) ++e;
        }
        if (e == p) return lex::npos;
    }
    out.value = s.substr(p, e - p);
    return e;
}

}  // namespace

bool ParamIter::next(Param& out) {
    if (error_ != FieldError::kOk) return false;
    const bool header = syntax_ == ParamSyntax::kHeader;
    size_t p = header ? lex::skip_lws(s_, pos_) : pos_;
    if (p >= s_.size() || s_[p] != ';') {
        pos_ = p;
        return false;
    }
    ++p;
    if (header) p = lex::skip_lws(s_, p);
    out.has_value = out.quoted = false;
    out.value = {};
    const size_t name_end = header ? lex::scan_token(s_, p) : lex::scan_escaped(s_, p, lex::kParamChar);
    if (name_end == lex::npos || name_end == p) {
        const bool ws =
            name_end == p && p < s_.size() && (lex::is_ws(s_[p]) || s_[p] == '\r' || s_[p] == '\n');
        error_ = name_end == lex::npos ? FieldError::kBadEscape
                 : ws                  ? FieldError::kWhitespace
                                       : FieldError::kBadParam;
        return false;
    }
    out.name = s_.substr(p, name_end - p);
    p = name_end;
    const size_t q = header ? lex::skip_lws(s_, p) : p;
    if (q < s_.size() && s_[q] == '=') {
        out.has_value = true;
        if (header) {
            p = scan_gen_value(s_, lex::skip_lws(s_, q + 1), out);
        } else {
            const size_t e = lex::scan_escaped(s_, q + 1, lex::kParamChar);
            if (e == lex::npos) {
                error_ = FieldError::kBadEscape;
                return false;
            }
            p = e == q + 1 ? lex::npos : e;
            out.value = s_.substr(q + 1, e - q - 1);
        }
        if (p == lex::npos) {
            error_ = FieldError::kBadParam;
            return false;
        }
    }
    pos_ = p;
    return true;
}

size_t scan_params(std::string_view s, size_t pos, ParamSyntax syntax, FieldError& err) {
    ParamIter it(s, syntax, pos);
    Param p;
    while (it.next(p)) {
    }
    err = it.error();
    return err == FieldError::kOk ? it.pos() : lex::npos;
}

bool iequals_unescaped(std::string_view escaped, std::string_view plain) {
    size_t j = 0;
    for (size_t i = 0; i < escaped.size(); ++i, ++j) {
        if (j >= plain.size()) return false;
        char c = escaped[i];
        if (c == '%' && i + 2 < escaped.size() && lex::is_hex(escaped[i + 1]) &&
            lex::is_hex(escaped[i + 2])) {
            auto hv = [](char h) { return lex::is_digit(h) ? h - '0' : lex::to_lower(h) - 'a' + 10; };
            c = static_cast<char>(hv(escaped[i + 1]) << 4 | hv(escaped[i + 2]));
            i += 2;
        }
        if (lex::to_lower(c) != lex::to_lower(plain[j])) return false;
    }
    return j == plain.size();
}

bool find_param(std::string_view params, ParamSyntax syntax, std::string_view name, Param& out) {
    ParamIter it(params, syntax);
    Param p;
    while (it.next(p)) {
        const bool match =
            syntax == ParamSyntax::kUri ? iequals_unescaped(p.name, name) : lex::iequals(p.name, name);
        if (match) {
            out = p;
            return true;
        }
    }
    return false;
}

}  // namespace sipstorm::sip
