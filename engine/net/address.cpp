#include "net/address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace sipstorm::net {

socklen_t Address::to_sockaddr(sockaddr_storage& ss) const {
    std::memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        std::memcpy(&sin->sin_addr, ip, 4);
        return sizeof(sockaddr_in);
    }
    if (family == AF_INET6) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        std::memcpy(&sin6->sin6_addr, ip, 16);
        return sizeof(sockaddr_in6);
    }
    return 0;
}

Address Address::from_sockaddr(const sockaddr* sa) {
    Address a;
    if (sa == nullptr) return a;
    if (sa->sa_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
        a.family = AF_INET;
        a.port = ntohs(sin->sin_port);
        std::memcpy(a.ip, &sin->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        // IPv4-mapped addresses stay IPv6: a reply must go out through the same IPv6 socket.
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
        a.family = AF_INET6;
        a.port = ntohs(sin6->sin6_port);
        std::memcpy(a.ip, &sin6->sin6_addr, 16);
    }
    return a;
}

std::string Address::ip_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family != AF_INET && family != AF_INET6) return {};
    if (inet_ntop(family, ip, buf, sizeof(buf)) == nullptr) return {};
    return buf;
}

std::string Address::to_string() const {
    if (family != AF_INET && family != AF_INET6) return {};
    std::string s = family == AF_INET6 ? "[" + ip_string() + "]" : ip_string();
    return s + ":" + std::to_string(port);
}

namespace {

bool parse_port(std::string_view text, uint16_t& port) {
    if (text.empty() || text.size() > 5) return false;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

// inet_pton wants a NUL-terminated string; hosts longer than any numeric address are rejected here.
bool parse_host(std::string_view host, int family, uint8_t* ip) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (host.empty() || host.size() >= sizeof(buf)) return false;
    std::memcpy(buf, host.data(), host.size());
    return inet_pton(family, buf, ip) == 1;
}

}  // namespace

bool Address::parse(std::string_view text, uint16_t default_port, Address& out) {
    Address a;
    a.port = default_port;
    std::string_view host = text;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos) return false;
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1), a.port))) return false;
        a.family = AF_INET6;
        if (!parse_host(host, AF_INET6, a.ip)) return false;
        out = a;
        return true;
    }
    const size_t first = text.find(':');
    // More than one colon without brackets can only be a bare IPv6 address (no port).
    if (first != std::string_view::npos && text.find(':', first + 1) == std::string_view::npos) {
        host = text.substr(0, first);
        if (!parse_port(text.substr(first + 1), a.port)) return false;
    } else if (first != std::string_view::npos) {
        a.family = AF_INET6;
        if (!parse_host(text, AF_INET6, a.ip)) return false;
        out = a;
        return true;
    }
    a.family = AF_INET;
    if (host == "localhost") {
        const uint8_t loopback[4] = {127, 0, 0, 1};
        std::memcpy(a.ip, loopback, 4);
    } else if (!parse_host(host, AF_INET, a.ip)) {
        return false;
    }
    out = a;
    return true;
}

}  // namespace sipstorm::net
