// ARP / ND cache of one stack: next-hop IP → MAC, with the packets waiting for a resolution.
// Resolution is rare next to the packet rate: a small hash map (allocation only when a new next hop
// appears) plus a one-entry memo for the hot path (a load generator mostly talks to one next hop).
#pragma once
#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "dpdk/eal.hpp"

struct rte_mbuf;

namespace sipstorm::dpdk {

struct NeighKey {
    uint8_t family = 0;   // AF_INET / AF_INET6
    uint8_t ip[16] = {};  // IPv4 in network order in the first 4 bytes
    bool operator==(const NeighKey& o) const { return family == o.family && std::memcmp(ip, o.ip, 16) == 0; }
};

struct NeighKeyHash {
    size_t operator()(const NeighKey& k) const {
        uint64_t a, b;
        std::memcpy(&a, k.ip, 8);
        std::memcpy(&b, k.ip + 8, 8);
        uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b + k.family) * 0xC2B2AE3D27D4EB4Full;
        return size_t(h ^ (h >> 29));
    }
};

struct NeighEntry {
    enum class State : uint8_t { kIncomplete, kReachable, kFailed } state = State::kIncomplete;
    Mac mac;
    uint64_t since = 0;              // TSC when it entered this state
    uint64_t next_retry = 0;         // TSC of the next request (kIncomplete)
    uint32_t retries = 0;            // requests sent
    bool permanent = false;          // set by add_static_neighbor(): never refreshed, never expires
    std::vector<rte_mbuf*> pending;  // IP packets (no L2 header yet), oldest first
};

using NeighTable = std::unordered_map<NeighKey, NeighEntry, NeighKeyHash>;

// What the stacks of one port's queues have resolved, shared between them. ARP replies and NA are not
// spread by RSS: they reach queue 0, whose stack publishes them here; the stack of another queue looks
// here on a miss and while its own request is outstanding. Touched only on misses, retries and
// refreshes (never per packet), so a mutex is enough.
class SharedNeighbors {
  public:
    void publish(const NeighKey& k, const Mac& mac, uint64_t now) {
        std::lock_guard lk(mu_);
        auto& e = map_[k];
        e.mac = mac;
        e.since = now;
    }
    // True when k is known and was learned after `newer_than` (TSC).
    bool lookup(const NeighKey& k, uint64_t newer_than, Mac& mac, uint64_t& since) const {
        std::lock_guard lk(mu_);
        auto it = map_.find(k);
        if (it == map_.end() || it->second.since <= newer_than) return false;
        mac = it->second.mac;
        since = it->second.since;
        return true;
    }

  private:
    struct Entry {
        Mac mac;
        uint64_t since = 0;
    };
    mutable std::mutex mu_;
    std::unordered_map<NeighKey, Entry, NeighKeyHash> map_;
};

}  // namespace sipstorm::dpdk
