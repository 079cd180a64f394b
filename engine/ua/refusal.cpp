#include "ua/refusal.hpp"

#include <cstdio>
#include <cstring>

#include "sip/lex.hpp"
#include "ua/stateless.hpp"

namespace sipstorm::ua {
namespace {

struct Buf {
    char* p;
    size_t cap;
    size_t len = 0;
    bool ok = true;
    void put(std::string_view s) {
        if (len + s.size() > cap) {
            ok = false;
            return;
        }
        if (!s.empty()) std::memcpy(p + len, s.data(), s.size());
        len += s.size();
    }
};

}  // namespace

size_t build_refusal(const sip::MessageView& request, uint16_t code, std::string_view to_tag,
                     std::string_view allow, char* out, size_t cap, const net::Address* source) {
    char extra[1024];
    Buf b{extra, sizeof(extra)};
    if (code == 420) {
        bool first = true;
        for (uint16_t i = 0; i < request.header_count; ++i) {
            if (request.headers[i].id != sip::HeaderId::kRequire) continue;
            sip::lex::for_each_value(request.headers[i].value, [&](std::string_view tag) {
                tag = sip::lex::trim_lws(tag);
                if (tag.empty() || sip::lex::iequals(tag, "100rel")) return;
                b.put(first ? "Unsupported: " : ", ");
                b.put(tag);
                first = false;
            });
        }
        if (!first) b.put("\r\n");
    } else if (code == 500 && request.method == sip::Method::kInvite) {
        // §14.2: a re-INVITE while one is pending, "with a Retry-After ... between 0 and 10 seconds".
        const std::string_view cid = sip::lex::trim_lws(request.find(sip::HeaderId::kCallId)
                                                            ? request.find(sip::HeaderId::kCallId)->value
                                                            : std::string_view());
        char digit[2] = {static_cast<char>('0' + cid.size() % 10), 0};
        b.put("Retry-After: ");
        b.put(std::string_view(digit, 1));
        b.put("\r\n");
    } else if (code == 415 || code == 406) {
        b.put("Accept: application/sdp\r\n");
    } else if ((code == 405 || (code == 200 && request.method == sip::Method::kOptions)) && !allow.empty()) {
        if (code == 200) b.put("Accept: application/sdp\r\n");  // §11.2 (SHOULD)
        b.put("Allow: ");
        b.put(allow);
        b.put("\r\n");
    }
    return build_stateless_response(request, code, out, cap, to_tag,
                                    b.ok ? std::string_view(extra, b.len) : std::string_view(), {}, source);
}

size_t build_raw_refusal(std::string_view bytes, uint16_t code, std::string_view to_tag, char* out,
                         size_t cap) {
    if (bytes.substr(0, 4) == "SIP/") return 0;
    Buf b{out, cap};
    char line[64];
    std::string_view reason = reason_phrase(code);
    int n = snprintf(line, sizeof(line), "SIP/2.0 %u %.*s\r\n", code, static_cast<int>(reason.size()),
                     reason.data());
    b.put(std::string_view(line, static_cast<size_t>(n)));
    bool has_via = false;
    size_t end_of_headers = bytes.find("\r\n\r\n");
    std::string_view head = bytes.substr(0, end_of_headers);
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
        size_t start = pos + 2;
        size_t end = head.find("\r\n", start);
        // A folded line belongs to the header above it.
        while (end != std::string_view::npos && end + 2 < head.size() &&
               (head[end + 2] == ' ' || head[end + 2] == '\t'))
            end = head.find("\r\n", end + 2);
        std::string_view l =
            head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        size_t colon = l.find(':');
        std::string_view name = sip::lex::trim_lws(l.substr(0, colon == std::string_view::npos ? 0 : colon));
        auto is = [&](std::string_view full, std::string_view compact) {
            return sip::lex::iequals(name, full) || sip::lex::iequals(name, compact);
        };
        if (colon != std::string_view::npos) {
            if (is("via", "v")) has_via = true;
            if (is("via", "v") || is("from", "f") || is("call-id", "i") || is("cseq", "cseq")) {
                b.put(l);
                b.put("\r\n");
            } else if (is("to", "t")) {
                b.put(l);
                if (l.find("tag=") == std::string_view::npos && !to_tag.empty()) {
                    b.put(";tag=");
                    b.put(to_tag);
                }
                b.put("\r\n");
            }
        }
        pos = end;
    }
    if (!has_via) return 0;
    b.put("Content-Length: 0\r\n\r\n");
    return b.ok ? b.len : 0;
}

}  // namespace sipstorm::ua
