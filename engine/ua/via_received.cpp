#include "ua/via_received.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

#include "sip/lex.hpp"
#include "sip/via.hpp"

namespace sipstorm::ua {
namespace {

// The source address as text, no brackets (no allocation: this runs for every request a UAS keeps).
std::string_view ip_text(const net::Address& a, char* buf, size_t cap) {
    const int af = a.family == AF_INET6 ? AF_INET6 : AF_INET;
    if (!::inet_ntop(af, a.ip, buf, static_cast<socklen_t>(cap))) return {};
    return std::string_view(buf);
}

// Where ";rport" without a value ends inside the first via-parm [0, end), or npos.
size_t bare_rport_end(std::string_view v, size_t end) {
    for (size_t i = v.find(';'); i < end; i = v.find(';', i + 1)) {
        size_t p = i + 1;
        while (p < end && (v[p] == ' ' || v[p] == '\t')) ++p;
        if (end - p < 5 || !sip::lex::iequals(v.substr(p, 5), "rport")) continue;
        size_t q = p + 5;
        while (q < end && (v[q] == ' ' || v[q] == '\t')) ++q;
        if (q == end || v[q] == ';') return p + 5;
    }
    return std::string_view::npos;
}

}  // namespace

std::string_view complete_top_via(std::string_view value, const net::Address& source, char* buf, size_t cap) {
    sip::Via via;
    if (sip::parse_first_via(value, via) != sip::FieldError::kOk) return value;
    char ip_buf[64];
    const std::string_view ip = ip_text(source, ip_buf, sizeof ip_buf);
    if (ip.empty()) return value;
    std::string_view host = via.host;
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const bool add_received = via.received.empty() && (via.has_rport || !sip::lex::iequals(host, ip));
    const bool fill_rport = via.has_rport && !via.rport_has_value;
    if (!add_received && !fill_rport) return value;

    size_t end = value.find(',');  // the first via-parm; the others pass unchanged
    if (end == std::string_view::npos) end = value.size();
    while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == '\t')) --end;
    const size_t rport_at = fill_rport ? bare_rport_end(value, end) : std::string_view::npos;
    char port[8];
    const int port_len = std::snprintf(port, sizeof port, "=%u", static_cast<unsigned>(source.port));
    size_t len = 0;
    auto put = [&](std::string_view s) {
        if (!s.empty() && len + s.size() <= cap) std::memcpy(buf + len, s.data(), s.size());
        len += s.size();
    };
    if (rport_at != std::string_view::npos) {
        put(value.substr(0, rport_at));
        put(std::string_view(port, static_cast<size_t>(port_len)));
        put(value.substr(rport_at, end - rport_at));
    } else {
        put(value.substr(0, end));
    }
    if (add_received) {
        put(";received=");
        put(ip);
    }
    put(value.substr(end));
    return len <= cap ? std::string_view(buf, len) : value;
}

net::Address response_destination(const sip::MessageView& request, const net::Address& source) {
    const sip::Header* h = request.find(sip::HeaderId::kVia);
    sip::Via via;
    if (!h || sip::parse_first_via(h->value, via) != sip::FieldError::kOk || via.has_rport) return source;
    net::Address to = source;
    to.port = via.has_port ? via.port : 5060;  // §18.2.2: the sent-by port, 5060 by default
    return to;
}

}  // namespace sipstorm::ua
