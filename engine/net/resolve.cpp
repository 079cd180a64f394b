#include "net/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <charconv>

namespace sipstorm::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// RFC 6761 §6.3: "localhost" and names under it are the loopback address.
bool is_localhost(std::string_view host) {
    constexpr std::string_view kSuffix = ".localhost";
    return iequals(host, "localhost") ||
           (host.size() > kSuffix.size() && iequals(host.substr(host.size() - kSuffix.size()), kSuffix));
}

}  // namespace

bool resolve(std::string_view text, uint16_t default_port, FamilyPreference prefer, Address& out,
             std::string& error) {
    // Numeric forms (and anything bracketed or with several colons, which only IPv6 can be) need no
    // look-up; localhost names are the loopback address of the --prefer family.
    const size_t colon = text.find(':');
    const bool ipv6_form = text.starts_with('[') || (colon != std::string_view::npos &&
                                                     text.find(':', colon + 1) != std::string_view::npos);
    std::string_view host = colon == std::string_view::npos ? text : text.substr(0, colon);
    if (ipv6_form || !is_localhost(host)) {
        if (Address::parse(text, default_port, out)) return true;
        if (ipv6_form) {
            error = "'" + std::string(text) + "' is not a valid IPv6 address or [IPv6]:PORT";
            return false;
        }
    }
    uint16_t port = default_port;
    if (colon != std::string_view::npos) {
        const std::string_view p = text.substr(colon + 1);
        unsigned v = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v > 65535) {
            error = "bad port '" + std::string(p) + "' in '" + std::string(text) + "'";
            return false;
        }
        port = static_cast<uint16_t>(v);
    }
    if (host.empty()) {
        error = "no host in '" + std::string(text) + "'";
        return false;
    }
    // Localhost names need no look-up, so they work without a hosts file or DNS.
    if (is_localhost(host)) {
        Address::parse(prefer == FamilyPreference::kIPv6 ? "[::1]" : "127.0.0.1", port, out);
        return true;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    const std::string name(host);
    if (int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res); rc != 0) {
        error = "cannot resolve '" + name + "': " + gai_strerror(rc);
        return false;
    }
    const int want = prefer == FamilyPreference::kIPv4 ? AF_INET : AF_INET6;
    const addrinfo* pick = nullptr;
    for (const addrinfo* a = res; a; a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
        if (pick == nullptr || (a->ai_family == want && pick->ai_family != want)) pick = a;
    }
    if (pick) {
        out = Address::from_sockaddr(pick->ai_addr);
        out.port = port;
    } else {
        error = "'" + name + "' has no IPv4 or IPv6 address";
    }
    freeaddrinfo(res);
    return pick != nullptr;
}

}  // namespace sipstorm::net
