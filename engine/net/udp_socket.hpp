// Creating and configuring the kernel socket behind UdpTransport, kept apart from the batching code.
#pragma once
#include <string>

#include "net/udp_options.hpp"

namespace sipstorm::net {

struct UdpSocket {
    int fd = -1;
    Address bound;     // after bind: the ephemeral port filled in
    bool gso = false;  // UDP_SEGMENT accepted by this kernel and asked for
    bool gro = false;  // UDP_GRO accepted by this kernel and asked for
};

// Returns fd -1 with *error set (when error is not null) on failure; nothing is left open then.
UdpSocket open_udp_socket(const UdpOptions& opt, std::string* error);

}  // namespace sipstorm::net
