// A compact IPv4/IPv6 address and port (20 bytes), cheap to keep per call.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sipstorm::net {

struct Address {
    uint8_t family = 0;   // AF_INET or AF_INET6, 0 = unset
    uint16_t port = 0;    // host byte order
    uint8_t ip[16] = {};  // IPv4 in the first 4 bytes

    bool operator==(const Address& o) const {
        return family == o.family && port == o.port && std::memcmp(ip, o.ip, 16) == 0;
    }
    // sockaddr conversions; to_sockaddr returns the length to pass to the kernel.
    socklen_t to_sockaddr(sockaddr_storage& ss) const;
    static Address from_sockaddr(const sockaddr* sa);
    // "1.2.3.4", "::1" (no brackets), and with port "1.2.3.4:5060", "[::1]:5060".
    std::string ip_string() const;
    std::string to_string() const;
    // Parses "HOST:PORT", "[V6]:PORT", "HOST" (port = default_port). Numeric addresses and "localhost" only.
    static bool parse(std::string_view text, uint16_t default_port, Address& out);
};

}  // namespace sipstorm::net
