#include "sip/escape.hpp"

namespace sipstorm::sip {
namespace {

constexpr uint8_t hex_value(char c) {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    return static_cast<uint8_t>(lex::to_lower(c) - 'a' + 10);
}

}  // namespace

bool valid_escapes(std::string_view s) {
    for (size_t i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 3)) {
        if (i + 2 >= s.size() || !lex::is_hex(s[i + 1]) || !lex::is_hex(s[i + 2])) return false;
    }
    return true;
}

FieldError unescape(std::string_view in, std::span<char> out, size_t& out_len) {
    size_t n = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size() || !lex::is_hex(in[i + 1]) || !lex::is_hex(in[i + 2]))
                return FieldError::kBadEscape;
            c = static_cast<char>(hex_value(in[i + 1]) << 4 | hex_value(in[i + 2]));
            i += 2;
        }
        if (n >= out.size()) return FieldError::kOverflow;
        out[n++] = c;
    }
    out_len = n;
    return FieldError::kOk;
}

FieldError unquote(std::string_view content, std::span<char> out, size_t& out_len) {
    size_t n = 0;
    for (size_t i = 0; i < content.size(); ++i) {
        char c = content[i];
        if (c == '\\') {
            // A trailing lone backslash cannot come out of scan_quoted(); treat it as malformed.
            if (i + 1 >= content.size()) return FieldError::kSyntax;
            c = content[++i];
        }
        if (n >= out.size()) return FieldError::kOverflow;
        out[n++] = c;
    }
    out_len = n;
    return FieldError::kOk;
}

}  // namespace sipstorm::sip
