// EAL start-up and port set-up for the DPDK engine. Nothing here is on the hot path.
//
// EAL starts once per process (DPDK cannot start it twice): eal_init() splits an argument string the
// way a shell would ("-l 0 --vdev 'net_ring0' --no-huge") and remembers the outcome; later calls
// return it without starting again. Tests and CI run with "--no-huge --no-pci -m 1024 --no-shconf
// --file-prefix UNIQUE" and virtual devices only (--in-memory cannot be combined with --no-huge).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct rte_mempool;

namespace sipstorm::dpdk {

// Shell-like split: whitespace separates, '...' is literal, "..." allows \" \\ \$ \`, a backslash
// outside quotes escapes the next character. Returns false (and says why) on an unterminated quote or
// a trailing backslash.
bool split_args(std::string_view text, std::vector<std::string>& out, std::string* error);

// Starts EAL with argv[0] = "sipstorm" followed by the split args. Returns true when EAL runs (now or
// from an earlier call). On failure, error says what DPDK said ("dpdk: rte_eal_init: ... (EINVAL)")
// with hints for the usual causes (hugepages, permissions, a busy --file-prefix).
bool eal_init(std::string_view args, std::string* error);
bool eal_running();
// At process end: rte_eal_cleanup() and removal of EAL's runtime directory (/var/run/dpdk/PREFIX) when
// empty, as it is with --no-shconf. EAL cannot start again afterwards.
void eal_shutdown();

struct Mac {
    uint8_t b[6] = {};
    bool operator==(const Mac&) const = default;
    bool is_zero() const { return (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0; }
    std::string to_string() const;                       // "02:00:00:00:00:01"
    static bool parse(std::string_view text, Mac& out);  // "02:00:00:00:00:01" or with '-'
};

struct PortConfig {
    uint16_t port_id = 0;
    uint16_t queues = 1;          // one RX and one TX queue per shard
    uint32_t mbuf_count = 8191;   // RX pool size for the whole port (all queues); 2^n-1 is best
    uint32_t mbuf_cache = 256;    // per-lcore cache (only EAL / registered threads use it)
    uint16_t mbuf_data_room = 0;  // RX mbuf buffer size incl. headroom; 0 = RTE_MBUF_DEFAULT_BUF_SIZE (2 KiB
                                  // of data). net_af_packet needs it >= its framesz.
    uint16_t rx_desc = 1024, tx_desc = 1024;
    uint16_t mtu = 1500;       // IP MTU; 0 = leave the port's
    bool rss = true;           // spread UDP over the queues when the device can
    bool promiscuous = false;  // needed when the stack uses a MAC other than the port's
    bool hw_checksum = true;   // use TX IPv4/UDP checksum offload when the device has it
};

struct PortInfo {
    uint16_t port_id = 0;
    uint16_t queues = 0;
    std::string driver;  // "net_ring", "net_af_packet", "mlx5_pci" ...
    Mac mac;             // the port's own MAC
    uint16_t mtu = 1500;
    rte_mempool* pool = nullptr;  // RX mbufs (2 KiB data room unless PortConfig says otherwise)
    bool rss = false;             // true: the NIC spreads UDP over the queues by 4-tuple
    // false with queues > 1: everything lands on queue 0 and the shards must hand packets over in
    // software (an SPSC ring per shard, as the kernel engine's wrong-shard path does).
    bool software_handover_needed = false;
    bool tx_ipv4_cksum = false, tx_udp_cksum = false;  // offloads enabled on the port
    bool rx_ip_cksum = false, rx_udp_cksum = false;    // RX checks reported in ol_flags
    std::string notes;                                 // what was asked for and not granted, for the run log
};

// The most RX/TX queue pairs port_id can have (the lower of its RX and TX limits) and its driver
// name, so that a caller can fit the shard count to the port before setting it up. EAL must run.
bool port_queue_limit(uint16_t port_id, uint16_t& max_pairs, std::string& driver, std::string* error);

// Configures port_id with cfg.queues RX/TX queue pairs, creates its mbuf pool, enables RSS on UDP
// when dev_info.flow_type_rss_offloads allows (else says software hand-over is needed), starts it
// and reads its MAC. On failure returns false with the step that failed.
bool setup_port(const PortConfig& cfg, PortInfo& info, std::string* error);
// The RX pool size a port needs (2^n - 1, at least 8191): per queue, the descriptors the NIC keeps
// filled, one burst the transport holds until its next poll and a full per-lcore cache (1.5x its
// size, DPDK's flush threshold), plus slack for ARP / ND and reassembly. Received mbufs live for one
// poll, not for a call, so the calls in flight do not enter into it; the shard count does.
uint32_t rx_pool_size(const PortConfig& cfg, uint32_t burst);
// Stops and closes the port (its pool stays: mbufs may still be in flight).
void close_port(uint16_t port_id);

// The DPDK error text for a negative return (-errno or rte_errno).
std::string dpdk_error(int rc);

}  // namespace sipstorm::dpdk
