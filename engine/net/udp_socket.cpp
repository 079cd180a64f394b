#include "net/udp_socket.hpp"

#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipstorm::net {

namespace {

bool set_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

// The *FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN; the plain ones clamp silently,
// so a shortfall is not an error: the kernel-drop counter will tell if it matters.
void set_buffer(int fd, int force_name, int name, int bytes) {
    if (bytes <= 0) return;
    if (!set_int(fd, SOL_SOCKET, force_name, bytes)) set_int(fd, SOL_SOCKET, name, bytes);
}

UdpSocket fail(int fd, std::string* error, const std::string& what) {
    if (error != nullptr) *error = "udp: " + what + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return {};
}

}  // namespace

UdpSocket open_udp_socket(const UdpOptions& opt, std::string* error) {
    const Address& local = opt.local;
    if (local.family != AF_INET && local.family != AF_INET6) {
        errno = EAFNOSUPPORT;
        return fail(-1, error, "local address not set");
    }
    const int fd = socket(local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) return fail(fd, error, "socket");
    if (local.family == AF_INET6 && !set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, opt.v6only ? 1 : 0)) {
        return fail(fd, error, "IPV6_V6ONLY");
    }
    if (opt.reuseport && !set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) return fail(fd, error, "SO_REUSEPORT");
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, opt.rcvbuf);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, opt.sndbuf);
    // Without it, receive-queue overflows are invisible to the generator's health report.
    if (!set_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1)) return fail(fd, error, "SO_RXQ_OVFL");

    sockaddr_storage ss;
    socklen_t len = local.to_sockaddr(ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0)
        return fail(fd, error, "bind " + local.to_string());
    len = sizeof(ss);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return fail(fd, error, "getsockname");

    UdpSocket s;
    s.fd = fd;
    s.bound = Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
    // Size 0 keeps per-send segmentation off by default; acceptance proves the kernel knows the option.
    s.gso = opt.gso && set_int(fd, SOL_UDP, UDP_SEGMENT, 0);
    s.gro = opt.gro && set_int(fd, SOL_UDP, UDP_GRO, 1);
    return s;
}

}  // namespace sipstorm::net
