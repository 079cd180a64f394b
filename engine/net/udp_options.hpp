// How one shard's UDP endpoint is opened. Defaults suit a load generator: big socket buffers, batches
// of 64, GSO on when the kernel has it.
#pragma once
#include <cstdint>

#include "net/address.hpp"

namespace sipstorm::net {

struct UdpOptions {
    Address local;            // AF_INET or AF_INET6; port 0 = ephemeral
    bool reuseport = false;   // SO_REUSEPORT: shards share one port, the kernel spreads by 4-tuple
    bool v6only = true;       // IPV6_V6ONLY for IPv6 sockets: one socket per family, no mapped peers
    uint32_t batch = 64;      // datagrams per recvmmsg and TX slots per flush (1..1024)
    int rcvbuf = 8 << 20;     // bytes; SO_RCVBUFFORCE is tried first so root can pass rmem_max
    int sndbuf = 8 << 20;     // bytes; likewise SO_SNDBUFFORCE; 0 keeps the kernel default
    bool gso = true;          // UDP_SEGMENT for runs of equal datagrams to one peer, if the kernel has it
    bool gro = false;         // UDP_GRO: accept coalesced datagrams and split them in poll()
    double loss_percent = 0;  // fault injection, 0..100, applied to TX and RX independently
    uint64_t loss_seed = 1;   // same seed, same drops
    bool busy_poll = false;   // spin on recvmmsg until the timeout instead of sleeping in ppoll()
};

}  // namespace sipstorm::net
