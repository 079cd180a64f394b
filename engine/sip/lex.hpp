// Lexical building blocks shared by the header sub-parsers (RFC 3261 §25.1): character classes as
// one constexpr table, LWS skipping, quoted-string scanning and comma splitting of multi-value headers.
// Everything works on positions inside the caller's string_view; nothing allocates or throws.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipstorm::sip {

// The one error type of every sub-parser, so callers (validate(), the engine) can map any failure to a
// 400 reason without translating between per-header enums.
enum class FieldError : uint8_t {
    kOk,
    kEmpty,         // nothing (or only whitespace) where a value is required
    kSyntax,        // a character the grammar does not allow here
    kUnterminated,  // quoted string or <...> not closed
    kBadEscape,     // '%' not followed by two hex digits
    kBadScheme,
    kBadHost,
    kBadPort,  // not a number, or > 65535
    kBadParam,
    kWhitespace,  // LWS where the grammar forbids it (inside a URI, after '<')
    kOverflow,    // numeric value above the field's limit (never wrapped)
};

constexpr std::string_view to_string(FieldError e) {
    constexpr std::array<std::string_view, 11> kNames = {
        "ok",       "empty",    "syntax",    "unterminated", "bad escape", "bad scheme",
        "bad host", "bad port", "bad param", "whitespace",   "overflow",
    };
    return kNames[static_cast<size_t>(e)];
}

namespace lex {

inline constexpr size_t npos = std::string_view::npos;

// One bit per character class; a single table lookup answers "is c in class X" on the hot path.
enum : uint16_t {
    kDigit = 1 << 0,
    kAlpha = 1 << 1,
    kHex = 1 << 2,
    kToken = 1 << 3,       // token (RFC 3261 §25.1)
    kWord = 1 << 4,        // word: Call-ID halves
    kUnreserved = 1 << 5,  // alphanum / mark
    kUser = 1 << 6,        // unreserved / user-unreserved (escapes handled separately)
    kPassword = 1 << 7,    // unreserved / "&=+$,"
    kParamChar = 1 << 8,   // unreserved / param-unreserved
    kHnvChar = 1 << 9,     // unreserved / hnv-unreserved
    kHostChar = 1 << 10,   // alphanum / "-" / "."
    kWs = 1 << 11,         // SP / HTAB
};

namespace detail {
constexpr bool in(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

constexpr std::array<uint16_t, 256> make_table() {
    std::array<uint16_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
        const char c = static_cast<char>(i);
        uint16_t m = 0;
        const bool digit = c >= '0' && c <= '9';
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool alnum = digit || alpha;
        const bool unreserved = alnum || in(c, "-_.!~*'()");
        if (digit) m |= kDigit;
        if (alpha) m |= kAlpha;
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) m |= kHex;
        if (alnum || in(c, "-.!%*_+`'~")) m |= kToken;
        if (alnum || in(c, "-.!%*_+`'~()<>:\\\"/[]?{}")) m |= kWord;
        if (unreserved) m |= kUnreserved;
        if (unreserved || in(c, "&=+$,;?/")) m |= kUser;
        if (unreserved || in(c, "&=+$,")) m |= kPassword;
        if (unreserved || in(c, "[]/:&+$")) m |= kParamChar;
        if (unreserved || in(c, "[]/?:+$")) m |= kHnvChar;
        if (alnum || c == '-' || c == '.') m |= kHostChar;
        if (c == ' ' || c == '\t') m |= kWs;
        t[static_cast<size_t>(i)] = m;
    }
    return t;
}
}  // namespace detail

inline constexpr std::array<uint16_t, 256> kClass = detail::make_table();

constexpr bool is(char c, uint16_t cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }
constexpr bool is_digit(char c) { return is(c, kDigit); }
constexpr bool is_alpha(char c) { return is(c, kAlpha); }
constexpr bool is_hex(char c) { return is(c, kHex); }
constexpr bool is_token(char c) { return is(c, kToken); }
constexpr bool is_ws(char c) { return is(c, kWs); }
constexpr char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

// End of the run of characters in class cls starting at pos (== pos if none).
constexpr size_t scan(std::string_view s, size_t pos, uint16_t cls) {
    while (pos < s.size() && is(s[pos], cls)) ++pos;
    return pos;
}

constexpr size_t scan_token(std::string_view s, size_t pos) { return scan(s, pos, kToken); }

// Like scan() but also accepts %HH escapes (URI components); npos on a malformed escape.
constexpr size_t scan_escaped(std::string_view s, size_t pos, uint16_t cls) {
    while (pos < s.size()) {
        const char c = s[pos];
        if (is(c, cls)) {
            ++pos;
        } else if (c == '%') {
            if (pos + 2 >= s.size() || !is_hex(s[pos + 1]) || !is_hex(s[pos + 2])) return npos;
            pos += 3;
        } else {
            break;
        }
    }
    return pos;
}

// Skips LWS = [*WSP CRLF] 1*WSP. A line break counts only when the next line starts with
// whitespace (a fold); a bare LF fold is accepted too because the message parser tolerates LF
// line ends. A line break that does not fold is left in place so the caller sees it as garbage.
constexpr size_t skip_lws(std::string_view s, size_t pos) {
    for (;;) {
        while (pos < s.size() && is_ws(s[pos])) ++pos;
        size_t p = pos;
        if (p < s.size() && s[p] == '\r') ++p;
        if (p < s.size() && s[p] == '\n') ++p;
        if (p == pos || p >= s.size() || !is_ws(s[p])) return pos;
        pos = p;
    }
}

constexpr std::string_view trim_lws(std::string_view s) {
    size_t b = skip_lws(s, 0);
    size_t e = s.size();
    while (e > b && (is_ws(s[e - 1]) || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

// s[pos] must be '"'. Returns the position just past the closing quote, or npos if the string is
// unterminated or holds a character qdtext/quoted-pair forbid (controls, a CR/LF that is not a fold).
constexpr size_t scan_quoted(std::string_view s, size_t pos) {
    ++pos;
    while (pos < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[pos]);
        if (c == '"') return pos + 1;
        if (c == '\\') {
            if (pos + 1 >= s.size() || s[pos + 1] == '\r' || s[pos + 1] == '\n') return npos;
            pos += 2;
        } else if (c == '\r' || c == '\n') {
            const size_t p = skip_lws(s, pos);
            if (p == pos) return npos;
            pos = p;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return npos;
        } else {
            ++pos;
        }
    }
    return npos;
}

// Splits a header value on commas outside quoted strings and outside <...>, yielding each element
// with surrounding LWS trimmed. Elements may be empty (the element parser rejects them); an
// unterminated quote or '<' ends iteration with error() set.
class ValueIter {
public:
    explicit constexpr ValueIter(std::string_view value) : s_(value) {}

    constexpr bool next(std::string_view& out) {
        if (done_) return false;
        const size_t start = pos_;
        size_t i = pos_;
        while (i < s_.size()) {
            const char c = s_[i];
            if (c == '"') {
                const size_t e = scan_quoted(s_, i);
                if (e == npos) return fail();
                i = e;
                continue;
            }
            if (c == '<') {
                const size_t e = s_.find('>', i);
                if (e == npos) return fail();
                i = e + 1;
                continue;
            }
            if (c == ',') break;
            ++i;
        }
        out = trim_lws(s_.substr(start, i - start));
        if (i >= s_.size()) done_ = true;
        pos_ = i + 1;
        return true;
    }

    constexpr bool error() const { return error_; }

private:
    constexpr bool fail() {
        done_ = error_ = true;
        return false;
    }
    std::string_view s_;
    size_t pos_ = 0;
    bool done_ = false;
    bool error_ = false;
};

// Calls fn(element) for each comma-separated element; stops early when fn returns false.
// Returns false on an unterminated quote or '<'.
template <class Fn>
constexpr bool for_each_value(std::string_view value, Fn&& fn) {
    ValueIter it(value);
    std::string_view v;
    while (it.next(v))
        if (!fn(v)) return true;
    return !it.error();
}

}  // namespace lex
}  // namespace sipstorm::sip
