#include "ua/stack_warnings.hpp"

#include <fmt/core.h>

namespace sipstorm::ua {

namespace {

uint64_t value_of(const std::vector<StackCount>& counts, std::string_view name, bool drop) {
    for (const StackCount& c : counts)
        if (c.drop == drop && name == c.name) return c.value;
    return 0;
}

// "--vdev=net_af_packet0,iface=veth1,qpairs=2" -> "veth1"; empty for other ports.
std::string af_packet_iface(std::string_view eal_args) {
    if (eal_args.find("net_af_packet") == std::string_view::npos) return {};
    const size_t at = eal_args.find("iface=");
    if (at == std::string_view::npos) return {};
    const size_t from = at + 6;
    const size_t to = eal_args.find_first_of(", \t'\"", from);
    return std::string(eal_args.substr(from, to == std::string_view::npos ? to : to - from));
}

}  // namespace

std::vector<StackWarning> stack_warnings(const std::vector<StackCount>& counts, std::string_view eal_args) {
    std::vector<StackWarning> out;
    const uint64_t bad = value_of(counts, "bad_udp_checksum", true);
    const uint64_t received = bad + value_of(counts, "rx_udp", false);
    if (bad >= kChecksumMinBad && bad * 2 > received) {
        const std::string iface = af_packet_iface(eal_args);
        out.push_back(
            {"udp_checksum_offload",
             fmt::format(
                 "{} of {} UDP datagrams received ({:.0f}%) failed the UDP checksum: the sending side "
                 "most likely has TX checksum offload on (a veth, or a NIC whose offload is not "
                 "completed), so they arrive with the checksum unfinished; turn it off where they "
                 "are sent: ethtool -K IFACE tx off{}",
                 bad, received, 100.0 * static_cast<double>(bad) / static_cast<double>(received),
                 iface.empty() ? std::string()
                               : fmt::format(" (IFACE: the other end of {}, e.g. its veth peer)", iface))});
    }
    return out;
}

}  // namespace sipstorm::ua
