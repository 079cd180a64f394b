#include "ua/stateless.hpp"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "sip/header_names.hpp"
#include "sip/name_addr.hpp"
#include "sip/scalars.hpp"
#include "ua/via_received.hpp"

namespace sipstorm::ua {

namespace {

// Appends to a fixed buffer; once anything fails to fit, the whole result is 0.
struct Writer {
    char* out;
    size_t cap;
    size_t len = 0;
    bool ok = true;

    Writer& put(std::string_view s) {
        if (!ok || len + s.size() > cap) {
            ok = false;
            return *this;
        }
        if (!s.empty()) std::memcpy(out + len, s.data(), s.size());  // an empty view may hold nullptr
        len += s.size();
        return *this;
    }
    Writer& header(std::string_view name, std::string_view value) {
        return put(name).put(": ").put(value).put("\r\n");
    }
    // Every line of one header, in order; lines_only: joined by CRLF with none after the last. With a
    // source, the first Via value is completed as a response copies it.
    Writer& all(const sip::MessageView& m, sip::HeaderId id, const net::Address* source = nullptr,
                bool lines_only = false) {
        bool first = true;
        char via[1024];
        for (uint16_t i = 0; i < m.header_count; ++i) {
            if (m.headers[i].id != id) continue;
            std::string_view value = m.headers[i].value;
            if (first && source && id == sip::HeaderId::kVia)
                value = complete_top_via(value, *source, via, sizeof via);
            if (lines_only && !first) put("\r\n");
            put(sip::header_name(id)).put(": ").put(value);
            if (!lines_only) put("\r\n");
            first = false;
        }
        return *this;
    }
    size_t done() const { return ok ? len : 0; }
};

std::string_view value_of(const sip::MessageView& m, sip::HeaderId id) {
    const sip::Header* h = m.find(id);
    return h ? h->value : std::string_view();
}

Writer& cseq_line(Writer& w, uint32_t cseq, std::string_view method) {
    char num[16];
    int n = snprintf(num, sizeof(num), "%u", cseq);
    return w.put("CSeq: ")
        .put(std::string_view(num, static_cast<size_t>(n)))
        .put(" ")
        .put(method)
        .put("\r\n");
}

// The end of an ACK we build: CSeq with the INVITE's number, no body.
size_t end_ack(Writer& w, uint32_t cseq) {
    cseq_line(w, cseq, "ACK").put("Content-Length: 0\r\n\r\n");
    return w.done();
}

// A request of the INVITE's own transaction (its ACK for a non-2xx, its CANCEL): the INVITE's
// Request-URI, top Via, Route, From and Call-ID, and this To (RFC 3261 §17.1.1.3, §9.1).
size_t in_invite_transaction(const sip::MessageView& invite, std::string_view method, std::string_view to,
                             uint32_t cseq, char* out, size_t cap) {
    Writer w{out, cap};
    w.put(method).put(" ").put(invite.request_uri).put(" SIP/2.0\r\n");
    if (const sip::Header* via = invite.find(sip::HeaderId::kVia)) w.header("Via", via->value);
    w.all(invite, sip::HeaderId::kRoute);
    w.header("Max-Forwards", "70");
    w.header("From", value_of(invite, sip::HeaderId::kFrom));
    w.header("To", to);
    w.header("Call-ID", value_of(invite, sip::HeaderId::kCallId));
    cseq_line(w, cseq, method).put("Content-Length: 0\r\n\r\n");
    return w.done();
}

}  // namespace

std::string_view reason_phrase(uint16_t code) {
    switch (code) {
        case 100:
            return "Trying";
        case 180:
            return "Ringing";
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 481:
            return "Call/Transaction Does Not Exist";
        case 403:
            return "Forbidden";
        case 486:
            return "Busy Here";
        case 487:
            return "Request Terminated";
        case 500:
            return "Server Internal Error";
        case 503:
            return "Service Unavailable";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Unsupported URI Scheme";
        case 420:
            return "Bad Extension";
        case 482:
            return "Loop Detected";
        case 483:
            return "Too Many Hops";
        case 501:
            return "Not Implemented";
        case 505:
            return "Version Not Supported";
        case 513:
            return "Message Too Large";
        default:
            return code < 300 ? "OK" : "Error";
    }
}

size_t build_ack_for_failure(const sip::MessageView& invite, const sip::MessageView& response, uint32_t cseq,
                             char* out, size_t cap) {
    return in_invite_transaction(invite, "ACK", value_of(response, sip::HeaderId::kTo), cseq, out, cap);
}

size_t build_cancel(const sip::MessageView& invite, uint32_t cseq, char* out, size_t cap) {
    return in_invite_transaction(invite, "CANCEL", value_of(invite, sip::HeaderId::kTo), cseq, out, cap);
}

size_t build_bye(const sip::MessageView& invite, std::string_view target, std::string_view routes,
                 std::string_view remote_tag, std::string_view branch, uint32_t cseq, char* out, size_t cap) {
    const sip::Header* via = invite.find(sip::HeaderId::kVia);
    if (!via) return 0;
    // The INVITE's top Via with another branch: everything before ";branch=" and after its value.
    std::string_view v = via->value;
    const size_t at = v.find(";branch=");
    Writer w{out, cap};
    w.put("BYE ").put(target.empty() ? invite.request_uri : target).put(" SIP/2.0\r\n");
    w.put("Via: ").put(v.substr(0, at)).put(";branch=").put(branch);
    if (at != std::string_view::npos) {
        const size_t end = v.find(';', at + 8);
        if (end != std::string_view::npos) w.put(v.substr(end));
    }
    w.put("\r\n").put(routes);
    if (!routes.empty() && !routes.ends_with("\r\n")) w.put("\r\n");
    w.header("Max-Forwards", "70");
    w.header("From", value_of(invite, sip::HeaderId::kFrom));
    w.put("To: ").put(value_of(invite, sip::HeaderId::kTo)).put(";tag=").put(remote_tag).put("\r\n");
    w.header("Call-ID", value_of(invite, sip::HeaderId::kCallId));
    cseq_line(w, cseq, "BYE").put("Content-Length: 0\r\n\r\n");
    return w.done();
}

size_t build_ack_for_late_failure(const sip::MessageView& response, char* out, size_t cap) {
    const sip::Header* to = response.find(sip::HeaderId::kTo);
    const sip::Header* via = response.find(sip::HeaderId::kVia);
    const sip::Header* cseq_h = response.find(sip::HeaderId::kCSeq);
    sip::NameAddr na;
    sip::CSeq cseq;
    if (!to || !via || !cseq_h || sip::parse_name_addr(to->value, na) != sip::FieldError::kOk ||
        sip::parse_cseq(cseq_h->value, cseq) != sip::FieldError::kOk)
        return 0;
    Writer w{out, cap};
    w.put("ACK ").put(na.uri).put(" SIP/2.0\r\n");
    w.header("Via", via->value);
    w.header("Max-Forwards", "70");
    w.header("From", value_of(response, sip::HeaderId::kFrom));
    w.header("To", to->value);
    w.header("Call-ID", value_of(response, sip::HeaderId::kCallId));
    return end_ack(w, cseq.number);
}

size_t build_stateless_response(const sip::MessageView& request, uint16_t code, char* out, size_t cap,
                                std::string_view to_tag, std::string_view extra, std::string_view cseq_method,
                                const net::Address* source) {
    Writer w{out, cap};
    char line[64];
    std::string_view reason = reason_phrase(code);
    int n = snprintf(line, sizeof(line), "SIP/2.0 %u %.*s\r\n", code, static_cast<int>(reason.size()),
                     reason.data());
    w.put(std::string_view(line, static_cast<size_t>(n)));
    w.all(request, sip::HeaderId::kVia, source);
    w.header("From", value_of(request, sip::HeaderId::kFrom));
    w.put("To: ").put(value_of(request, sip::HeaderId::kTo));
    sip::NameAddr to;
    const bool tagged =
        sip::parse_name_addr(value_of(request, sip::HeaderId::kTo), to) == sip::FieldError::kOk && to.has_tag;
    if (!to_tag.empty() && !tagged) w.put(";tag=").put(to_tag);
    w.put("\r\n");
    w.header("Call-ID", value_of(request, sip::HeaderId::kCallId));
    std::string_view cseq = value_of(request, sip::HeaderId::kCSeq);
    if (!cseq_method.empty()) {
        sip::CSeq parsed;
        if (sip::parse_cseq(cseq, parsed) == sip::FieldError::kOk)
            cseq = cseq.substr(0, cseq.find(parsed.method_text));
        w.put("CSeq: ").put(sip::lex::trim_lws(cseq)).put(" ").put(cseq_method).put("\r\n");
    } else {
        w.header("CSeq", cseq);
    }
    w.put(extra);
    w.put("Content-Length: 0\r\n\r\n");
    return w.done();
}

size_t render_route_set(const sip::MessageView& msg, bool reverse, char* out, size_t cap) {
    // Collect the entries first (a Record-Route line may hold several), then write in either order.
    std::string_view entries[32];
    size_t count = 0;
    for (uint16_t i = 0; i < msg.header_count && count < 32; ++i) {
        if (msg.headers[i].id != sip::HeaderId::kRecordRoute) continue;
        sip::NameAddrIter it(msg.headers[i].value);
        sip::NameAddr na;
        while (count < 32 && it.next(na)) {
            // Keep the whole name-addr (with <> and parameters such as ;lr) as the peer wrote it.
            const char* begin = na.uri.data() - (na.angle ? 1 : 0);
            const char* end = na.params.empty() ? na.uri.data() + na.uri.size() + (na.angle ? 1 : 0)
                                                : na.params.data() + na.params.size();
            entries[count++] = std::string_view(begin, static_cast<size_t>(end - begin));
        }
    }
    Writer w{out, cap};
    for (size_t k = 0; k < count; ++k) w.header("Route", entries[reverse ? count - 1 - k : k]);
    return w.done();
}

size_t render_header_lines(const sip::MessageView& msg, sip::HeaderId id, char* out, size_t cap,
                           const net::Address* source) {
    Writer w{out, cap};
    return w.all(msg, id, source, true).done();
}

}  // namespace sipstorm::ua
