// Lexical building blocks shared by the header sub-parsers (RFC 3261 §25.1): character classes as
// one constexpr table, LWS skipping, quoted-string scanning and comma splitting of multi-value headers.
// Everything works on positions inside the caller's string_view; nothing allocates or throws.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
    kLws = 1 << 12,        // SP / HTAB / CR / LF: anything that may start LWS
    kQdText = 1 << 13,     // quoted-string bytes needing no attention: not '"', '\\', CR, LF, controls
};

namespace detail {
constexpr bool in(char c, std::string_view set) {
    return set.find(c) != std::string_view::npos;
}

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
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') m |= kLws;
        if ((i >= 0x20 && i != 0x7f && c != '"' && c != '\\') || c == '\t') m |= kQdText;
        t[static_cast<size_t>(i)] = m;
    }
    return t;
}
}  // namespace detail

inline constexpr std::array<uint16_t, 256> kClass = detail::make_table();

constexpr bool is(char c, uint16_t cls) {
    return (kClass[static_cast<unsigned char>(c)] & cls) != 0;
}
constexpr bool is_digit(char c) {
    return is(c, kDigit);
}
constexpr bool is_alpha(char c) {
    return is(c, kAlpha);
}
constexpr bool is_hex(char c) {
    return is(c, kHex);
}
constexpr bool is_token(char c) {
    return is(c, kToken);
}
constexpr bool is_ws(char c) {
    return is(c, kWs);
}
constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

// End of the run of characters in class cls starting at pos (== pos if none).
constexpr size_t scan(std::string_view s, size_t pos, uint16_t cls) {
    // Four independent lookups per branch: a byte-at-a-time loop is one long dependency chain, and
    // branches and Call-IDs are long enough for this to matter on the per-message path.
    auto cl = [&s](size_t i) { return kClass[static_cast<unsigned char>(s[i])]; };
    while (pos + 4 <= s.size() && (cl(pos) & cl(pos + 1) & cl(pos + 2) & cl(pos + 3) & cls) != 0) pos += 4;
    while (pos < s.size() && is(s[pos], cls)) ++pos;
    return pos;
}

namespace detail {
// A class as two 16-entry nibble tables: c is in it iff lo[c & 15] & hi[c >> 4] != 0. Rows (high
// nibbles) with the same set of low nibbles share a bit, so any ASCII class fits in 8 bits.
struct NibbleLut {
    std::array<uint8_t, 16> lo{};
    std::array<uint8_t, 16> hi{};
};

constexpr NibbleLut make_nibble_lut(uint16_t cls) {
    std::array<uint16_t, 16> rows{};
    for (int c = 0; c < 256; ++c)
        if (kClass[static_cast<size_t>(c)] & cls)
            rows[static_cast<size_t>(c >> 4)] |= uint16_t(1u << (c & 15));
    NibbleLut t{};
    std::array<uint16_t, 8> seen{};
    size_t n = 0;
    for (size_t h = 0; h < 16; ++h) {
        if (rows[h] == 0) continue;
        size_t j = 0;
        while (j < n && seen[j] != rows[h]) ++j;
        if (j == n) seen.at(n++) = rows[h];  // at() throws at compile time if a class needs > 8 bits
        t.hi[h] = static_cast<uint8_t>(1u << j);
        for (size_t l = 0; l < 16; ++l)
            if (rows[h] >> l & 1) t.lo[l] |= static_cast<uint8_t>(1u << j);
    }
    return t;
}

template <uint16_t Cls>
inline constexpr NibbleLut kNibbleLut = make_nibble_lut(Cls);

#if defined(__x86_64__)
// Bitmask of the bytes at s[0..16) that are NOT in the class (SSSE3 pshufb on both nibbles).
__attribute__((target("ssse3"))) inline unsigned miss16(const char* s, const NibbleLut& t) {
    const __m128i lo_tbl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.lo.data()));
    const __m128i hi_tbl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.hi.data()));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
    const __m128i lo = _mm_shuffle_epi8(lo_tbl, _mm_and_si128(v, nib));
    const __m128i hi = _mm_shuffle_epi8(hi_tbl, _mm_and_si128(_mm_srli_epi16(v, 4), nib));
    const __m128i miss = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
    return static_cast<unsigned>(_mm_movemask_epi8(miss));
}

// End of the class run starting at pos, for n >= 16: whole blocks, then one block that ends exactly
// at s + n (overlapping what was already seen) so nothing is read outside [s, s + n).
__attribute__((target("ssse3"))) inline size_t scan16(const char* s, size_t n, size_t pos,
                                                      const NibbleLut& t) {
    for (; pos + 16 <= n; pos += 16)
        if (const unsigned m = miss16(s + pos, t)) return pos + static_cast<size_t>(__builtin_ctz(m));
    if (pos >= n) return n;
    const size_t base = n - 16;
    const unsigned m = miss16(s + base, t) >> (pos - base);
    return m != 0 ? pos + static_cast<size_t>(__builtin_ctz(m)) : n;
}
#endif
}  // namespace detail

// scan() for a class fixed at compile time: 16 bytes per step once the value is 16 bytes or longer
// (branches, tags, Call-IDs); short values take the scalar loop.
template <uint16_t Cls>
constexpr size_t scan_run(std::string_view s, size_t pos) {
#if defined(__x86_64__)
    if (!std::is_constant_evaluated() && s.size() >= 16)
        return pos >= s.size() ? pos : detail::scan16(s.data(), s.size(), pos, detail::kNibbleLut<Cls>);
#endif
    return scan(s, pos, Cls);
}

constexpr size_t scan_token(std::string_view s, size_t pos) {
    return scan_run<kToken>(s, pos);
}

// Case-insensitive match against a literal of lowercase letters and '-' (parameter names): c | 0x20
// maps only 'A'-'Z' onto 'a'-'z', and '-' only from itself or CR, which cannot occur inside a token.
constexpr bool iequals_lit(std::string_view a, std::string_view lower_lit) {
    if (a.size() != lower_lit.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (static_cast<char>(a[i] | 0x20) != lower_lit[i]) return false;
    return true;
}

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
    if (pos >= s.size() || !is(s[pos], kLws)) return pos;  // the common case: nothing to skip
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
    for (;;) {
        pos = scan_run<kQdText>(s, pos);
        if (pos >= s.size()) return npos;
        const char c = s[pos];
        if (c == '"') return pos + 1;
        if (c == '\\') {
            if (pos + 1 >= s.size() || s[pos + 1] == '\r' || s[pos + 1] == '\n') return npos;
            pos += 2;
        } else if (c == '\r' || c == '\n') {
            const size_t p = skip_lws(s, pos);
            if (p == pos) return npos;
            pos = p;
        } else {
            return npos;  // a control character
        }
    }
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

// Calls fn(element) for each comma-separated element; a fn returning bool stops the walk by
// returning false. Returns false on an unterminated quote or '<'.
template <class Fn>
constexpr bool for_each_value(std::string_view value, Fn&& fn) {
    ValueIter it(value);
    std::string_view v;
    while (it.next(v)) {
        if constexpr (std::is_void_v<decltype(fn(v))>) {
            fn(v);
        } else if (!fn(v)) {
            return true;
        }
    }
    return !it.error();
}

}  // namespace lex
}  // namespace sipstorm::sip
