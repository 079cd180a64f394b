#include "sip/serialize.hpp"

#include <cstring>

namespace sipstorm::sip {

namespace {

std::span<const Header> headers_of(const MessageView& m) {
    return {m.headers.data(), m.header_count};
}

size_t start_line_size(const MessageView& m) {
    constexpr size_t kSpSpCrlf = 4;
    constexpr size_t kStatusCode = 3;
    return m.is_request ? m.method_text.size() + m.request_uri.size() + m.version.size() + kSpSpCrlf
                        : m.version.size() + kStatusCode + m.reason.size() + kSpSpCrlf;
}

// Caller has checked the capacity, so the writer needs no bounds of its own.
struct Writer {
    char* p;
    void put(std::string_view s) {
        if (!s.empty()) std::memcpy(p, s.data(), s.size());
        p += s.size();
    }
    void put(char c) { *p++ = c; }
};

}  // namespace

size_t serialized_size(const MessageView& m, std::span<const Header> headers, std::string_view body) {
    constexpr size_t kColonSpCrlf = 4;
    size_t n = start_line_size(m) + 2 + body.size();
    for (const Header& h : headers) n += h.name.size() + h.value.size() + kColonSpCrlf;
    return n;
}

size_t serialize(const MessageView& m, std::span<const Header> headers, std::string_view body, char* out,
                 size_t cap) {
    const size_t need = serialized_size(m, headers, body);
    if (need > cap) return 0;
    Writer w{out};
    if (m.is_request) {
        w.put(m.method_text);
        w.put(' ');
        w.put(m.request_uri);
        w.put(' ');
        w.put(m.version);
    } else {
        w.put(m.version);
        w.put(' ');
        w.put(static_cast<char>('0' + m.status_code / 100 % 10));
        w.put(static_cast<char>('0' + m.status_code / 10 % 10));
        w.put(static_cast<char>('0' + m.status_code % 10));
        w.put(' ');
        w.put(m.reason);
    }
    w.put("\r\n");
    for (const Header& h : headers) {
        w.put(h.name);
        w.put(": ");
        w.put(h.value);
        w.put("\r\n");
    }
    w.put("\r\n");
    w.put(body);
    return need;
}

size_t serialized_size(const MessageView& m) {
    return serialized_size(m, headers_of(m), m.body);
}

size_t serialize(const MessageView& m, char* out, size_t cap) {
    return serialize(m, headers_of(m), m.body, out, cap);
}

}  // namespace sipstorm::sip
