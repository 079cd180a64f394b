// A whole run on this machine: K shards, each a pinned thread that owns its endpoints (a socket, a
// call engine, its statistics) and runs the poll loop. The caller (the CLI) watches progress through
// per-shard snapshots and decides when to stop; nothing here prints.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "net/stream_options.hpp"
#include "net/tls_session.hpp"
#include "net/udp_options.hpp"
#include "runtime/arrival.hpp"
#include "runtime/shard_group.hpp"
#include "runtime/spsc_ring.hpp"
#include "stats/shard_stats.hpp"
#include "ua/engine.hpp"
#include "ua/program.hpp"
#include "ua/shard_recorder.hpp"
#include "ua/stack_warnings.hpp"

namespace sipstorm::ua {

// How a UAC endpoint starts calls.
struct LoadPlan {
    bool by_rate = true;             // else: keep `concurrent` calls up
    runtime::ArrivalConfig arrival;  // by_rate: the whole run's schedule (split per shard here)
    uint64_t concurrent = 0;         // a cap on live calls in the whole run (0 = none); the target
                                     // when not by_rate
    uint64_t max_calls = 0;          // not by_rate: calls in the whole run (0 = unlimited)
    uint64_t duration_ns = 0;        // not by_rate: no call starts after this (0 = unlimited)
};

// The DPDK engine for an endpoint (--engine dpdk): one port, one queue pair per shard.
struct DpdkSpec {
    bool enabled = false;
    std::string eal_args;  // e.g. "-l 0-1 --no-pci --vdev=net_af_packet0,iface=eth1"
    uint16_t port = 0;
    std::string local_ips;  // "10.0.0.10" or a range "10.0.0.10-10.0.0.50", IPv6 after a comma
    std::string gateway;
    std::string mac;  // our MAC, "02:00:00:00:00:01"; empty = the port's (a different one needs promiscuous)
    uint8_t prefix = 24;
    uint32_t mbufs = 0;  // RX pool of the port; 0 = dpdk::rx_pool_size for the shard count
};

// TCP or TLS instead of UDP (--transport): the stream options apart from the address, which is udp.local.
struct StreamSpec {
    enum class Kind : uint8_t { kUdp, kTcp, kTls } kind = Kind::kUdp;
    net::StreamOptions options;  // local, reuseport, shard, batch and tls are filled per shard
    net::TlsOptions tls;
};

struct EndpointSpec {
    std::string name;  // "uac", "uas"
    const Program* program = nullptr;
    net::UdpOptions udp;  // udp.local.port 0 with reuseport: the first shard's port is shared by all
    EngineConfig engine;
    bool generates_load = false;
    LoadPlan load;
    int remote_from = -1;  // >= 0: the target is that (earlier) endpoint's local address (built-in UAS)
    std::string pcap;      // write every message this endpoint sends and receives here (--pcap)
    DpdkSpec dpdk;
    StreamSpec stream;
};

struct RunConfig {
    unsigned shards = 1;
    // The user chose no shard count: a DPDK port with fewer queue pairs than `shards` lowers it to
    // its own count (see shards_note()). Otherwise more shards than queue pairs is an error.
    bool shards_follow_port = false;
    std::vector<EndpointSpec> endpoints;
    uint64_t interval_ns = 1'000'000'000;
    bool busy_poll = false;  // spin instead of sleeping when idle (lower latency, burns the cores)
    // This process is shard `node` of `nodes` of a run spread over processes or machines (run
    // --shard-of I/N): its shard i is shard node + nodes * i of all of them, for the arrival schedule
    // (its share of the rate and of --calls) and the --inf rows, so the processes' shares are disjoint
    // and add up to the whole however many shards each has.
    unsigned node = 0;
    unsigned nodes = 1;
};

class Runner {
  public:
    explicit Runner(RunConfig config);
    ~Runner();

    // Opens every socket and loads every shard's Lua state. False with a one-line message on error.
    bool open(std::string* error);
    // After open(): why the shard count is lower than asked ("port 0 (net_af_packet) has 1 RX/TX
    // queue pair"), or empty.
    const std::string& shards_note() const { return shards_note_; }
    void start();

    // Stop starting calls; live calls run to their end.
    // Both wake the shards from their idle wait.
    void stop_starting();
    // Ends the run now: live calls count as aborted.
    void abort();
    // Every load-generating endpoint has started all its calls and has none left.
    bool load_done() const;
    // Every load-generating endpoint has started all the calls it will start (some may be live).
    bool starts_done() const;
    void join();  // after every shard stopped (call abort() or wait for load_done())
    // After join(): closes the shards' traces and merges them into each endpoint's pcap file.
    bool finish_traces(std::string* error);

    size_t endpoint_count() const { return config_.endpoints.size(); }
    unsigned shards() const { return config_.shards; }
    stats::ShardStats& stats(size_t endpoint, unsigned shard);
    const FailureTable& failures(size_t endpoint, unsigned shard);  // after join()
    net::Address local_address(size_t endpoint) const;
    // After join(): when the endpoint's last call started (0: none), for the achieved rate.
    uint64_t last_call_start_ns(size_t endpoint) const;
    uint64_t start_ns() const { return start_ns_; }
    // The DPDK stack's counters of an endpoint (frames, ARP / ND, drops by reason, mbuf exhaustion)
    // summed over its shards, then its port's (NIC drops, RX mbuf shortage); empty on the kernel
    // engine. Any thread: the shards copy their stack's counters out whenever they publish their
    // statistics (about once a second, and when they stop).
    std::vector<StackCount> stack_counters(size_t endpoint) const;
    // What those counters point to (a likely cause and its fix), from ua::stack_warnings.
    std::vector<StackWarning> stack_warnings(size_t endpoint) const;
    // After join(): the TLS version and cipher the endpoint's connections used (empty: none / not TLS).
    std::string tls_summary(size_t endpoint) const;

  private:
    struct Endpoint;
    struct Shard;
    // A datagram that reached the wrong shard, copied for the shard that owns its call. Larger
    // ones are dropped (and counted): SIP over UDP above this size is rare, and this path too.
    struct Handoff {
        uint32_t len = 0;
        net::Address from;
        char data[2048];
    };
    using HandoffRing = runtime::SpscRing<Handoff>;
    void shard_main(unsigned index);
    // The earliest time the endpoint has something to do without a datagram: a timer, or a
    // scheduled call start it is allowed to make (kNever: none).
    static uint64_t next_due_ns(Endpoint& ep, bool stopping);
    struct DpdkPort;
    bool fit_shards_to_port(std::string* error);
    bool open_dpdk_port(size_t endpoint, std::string* error);
    std::unique_ptr<net::Transport> open_dpdk_queue(size_t endpoint, unsigned shard, std::string* error);
    HandoffRing& ring(size_t endpoint, unsigned from, unsigned to) {
        return *rings_[(endpoint * config_.shards + from) * config_.shards + to];
    }

    RunConfig config_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::vector<std::unique_ptr<HandoffRing>> rings_;  // [endpoint][from][to], when shards > 1
    // --engine dpdk, by endpoint: the port all its shards' queues are on (null: kernel sockets). Each
    // endpoint has a port of its own (the built-in UAS's is wired to the UAC's: a cable, a veth pair).
    std::vector<std::unique_ptr<DpdkPort>> dpdk_;
    runtime::ShardGroup group_;
    std::atomic<bool> stop_starting_{false};
    std::atomic<bool> abort_{false};
    uint64_t start_ns_ = 0;
    std::string shards_note_;
};

}  // namespace sipstorm::ua
