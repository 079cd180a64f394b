#include "dpdk/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace sipstorm::dpdk {

namespace {
std::mutex g_mu;
enum class EalState { kNotStarted, kRunning, kFailed } g_state = EalState::kNotStarted;
std::string g_error;

void set_error(std::string* error, std::string text) {
    if (error) *error = std::move(text);
}
}  // namespace

std::string dpdk_error(int rc) {
    int e = rc < 0 ? -rc : rc;
    return std::string(rte_strerror(e));
}

bool split_args(std::string_view text, std::vector<std::string>& out, std::string* error) {
    out.clear();
    std::string cur;
    bool in_word = false;
    size_t i = 0;
    while (i < text.size()) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) out.push_back(std::move(cur)), cur.clear(), in_word = false;
            ++i;
        } else if (c == '\'') {
            size_t end = text.find('\'', i + 1);
            if (end == std::string_view::npos) {
                set_error(error, "dpdk args: unterminated ' quote");
                return false;
            }
            cur.append(text.substr(i + 1, end - i - 1));
            in_word = true;
            i = end + 1;
        } else if (c == '"') {
            ++i;
            bool closed = false;
            while (i < text.size()) {
                char d = text[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < text.size() &&
                    (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '$' || text[i + 1] == '`')) {
                    cur.push_back(text[i + 1]);
                    i += 2;
                    continue;
                }
                cur.push_back(d);
                ++i;
            }
            if (!closed) {
                set_error(error, "dpdk args: unterminated \" quote");
                return false;
            }
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) {
                set_error(error, "dpdk args: trailing backslash");
                return false;
            }
            cur.push_back(text[i + 1]);
            in_word = true;
            i += 2;
        } else {
            cur.push_back(c);
            in_word = true;
            ++i;
        }
    }
    if (in_word) out.push_back(std::move(cur));
    return true;
}

bool eal_running() {
    std::lock_guard lk(g_mu);
    return g_state == EalState::kRunning;
}

bool eal_init(std::string_view args, std::string* error) {
    std::lock_guard lk(g_mu);
    if (g_state == EalState::kRunning) return true;
    if (g_state == EalState::kFailed) {
        set_error(error, g_error + " (EAL cannot be retried in the same process)");
        return false;
    }
    std::vector<std::string> words;
    if (!split_args(args, words, error)) return false;
    words.insert(words.begin(), "sipstorm");
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    int rc = rte_eal_init(static_cast<int>(words.size()), argv.data());
    if (rc < 0) {
        int e = rte_errno;
        std::string msg = "dpdk: rte_eal_init(\"" + std::string(args) + "\") failed: " + rte_strerror(e);
        switch (e) {
            case EACCES:
                msg += " (needs root or CAP_SYS_ADMIN/CAP_IPC_LOCK)";
                break;
            case ENOMEM:
                msg += " (no memory: without hugepages pass --no-huge -m 1024)";
                break;
            case EALREADY:
                msg += " (already initialised in this process)";
                break;
            case EBUSY:
                msg += " (another process uses this --file-prefix; pass a unique one or --no-shconf)";
                break;
            case EINVAL:
                msg += " (bad arguments: EAL printed its usage above; --in-memory cannot go with --no-huge)";
                break;
            case ENOTSUP:
                msg += " (EAL not supported here)";
                break;
            default:
                break;
        }
        g_state = EalState::kFailed;
        g_error = msg;
        set_error(error, msg);
        return false;
    }
    g_state = EalState::kRunning;
    return true;
}

void eal_shutdown() {
    std::lock_guard lk(g_mu);
    if (g_state != EalState::kRunning) return;
    std::string dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    g_state = EalState::kFailed;
    g_error = "dpdk: EAL was shut down";
    if (!dir.empty()) ::rmdir(dir.c_str());  // only succeeds when empty
}

std::string Mac::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return buf;
}

bool Mac::parse(std::string_view text, Mac& out) {
    if (text.size() != 17) return false;
    for (int i = 0; i < 6; ++i) {
        unsigned v = 0;
        for (int j = 0; j < 2; ++j) {
            char c = text[i * 3 + j];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= unsigned(c - 'A' + 10);
            else
                return false;
        }
        if (i < 5 && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') return false;
        out.b[i] = uint8_t(v);
    }
    return true;
}

namespace {
bool check_port(uint16_t port, std::string* error) {
    if (!eal_running()) {
        set_error(error, "dpdk: EAL is not running (call eal_init first)");
        return false;
    }
    if (!rte_eth_dev_is_valid_port(port)) {
        set_error(error, "dpdk: port " + std::to_string(port) + " does not exist (" +
                             std::to_string(rte_eth_dev_count_avail()) +
                             " ports available; add --vdev or a PCI device)");
        return false;
    }
    return true;
}
}  // namespace

bool port_queue_limit(uint16_t port_id, uint16_t& max_pairs, std::string& driver, std::string* error) {
    if (!check_port(port_id, error)) return false;
    rte_eth_dev_info dev{};
    if (int rc = rte_eth_dev_info_get(port_id, &dev); rc != 0) {
        set_error(error,
                  "dpdk: port " + std::to_string(port_id) + ": rte_eth_dev_info_get: " + dpdk_error(rc));
        return false;
    }
    max_pairs = std::min(dev.max_rx_queues, dev.max_tx_queues);
    driver = dev.driver_name ? dev.driver_name : "?";
    return true;
}

bool setup_port(const PortConfig& cfg, PortInfo& info, std::string* error) {
    const uint16_t port = cfg.port_id;
    auto fail = [&](const char* step, int rc) {
        set_error(error, "dpdk: port " + std::to_string(port) + ": " + step + ": " + dpdk_error(rc));
        return false;
    };
    if (!check_port(port, error)) return false;
    if (cfg.queues == 0) {
        set_error(error, "dpdk: port " + std::to_string(port) + ": zero queues");
        return false;
    }
    rte_eth_dev_info dev{};
    if (int rc = rte_eth_dev_info_get(port, &dev); rc != 0) return fail("rte_eth_dev_info_get", rc);
    info = PortInfo{};
    info.port_id = port;
    info.queues = cfg.queues;
    info.driver = dev.driver_name ? dev.driver_name : "?";
    if (cfg.queues > dev.max_rx_queues || cfg.queues > dev.max_tx_queues) {
        set_error(error, "dpdk: port " + std::to_string(port) + " (" + info.driver + ") has at most " +
                             std::to_string(dev.max_rx_queues) + " RX / " +
                             std::to_string(dev.max_tx_queues) + " TX queues, " + std::to_string(cfg.queues) +
                             " asked");
        return false;
    }

    rte_eth_conf conf{};
    if (cfg.queues > 1 && cfg.rss) {
        uint64_t want = RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_IP;
        uint64_t have = dev.flow_type_rss_offloads & want;
        if (have & (RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_key = nullptr;  // the driver's default key
            conf.rx_adv_conf.rss_conf.rss_hf = have;
            info.rss = true;
        } else {
            info.software_handover_needed = true;
            info.notes += "no RSS on UDP (flow_type_rss_offloads=0x" +
                          [](uint64_t v) {
                              char b[32];
                              std::snprintf(b, sizeof b, "%llx", (unsigned long long)v);
                              return std::string(b);
                          }(dev.flow_type_rss_offloads) +
                          "): everything arrives on queue 0, software hand-over needed; ";
        }
    } else if (cfg.queues > 1) {
        info.software_handover_needed = true;
        info.notes += "RSS disabled by config: software hand-over needed; ";
    }
    if (cfg.hw_checksum) {
        if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
            conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
            info.tx_ipv4_cksum = true;
        }
        if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
            conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
            info.tx_udp_cksum = true;
        }
        if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
            conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
            info.rx_ip_cksum = true;
        }
        if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) {
            conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
            info.rx_udp_cksum = true;
        }
    }
    // Big TX mbufs (a whole SIP datagram in one segment) and fragments are chains: allow them.
    if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

    rte_eth_dev_stop(port);  // a second set-up of a started port (no-op otherwise)
    if (int rc = rte_eth_dev_configure(port, cfg.queues, cfg.queues, &conf); rc != 0)
        return fail("rte_eth_dev_configure", rc);
    uint16_t rxd = cfg.rx_desc, txd = cfg.tx_desc;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd); rc != 0)
        return fail("rte_eth_dev_adjust_nb_rx_tx_desc", rc);

    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0) socket = SOCKET_ID_ANY;
    std::string pool_name = "sipstorm_rx_p" + std::to_string(port);
    info.pool = rte_mempool_lookup(pool_name.c_str());
    if (!info.pool) {
        info.pool = rte_pktmbuf_pool_create(
            pool_name.c_str(), cfg.mbuf_count, cfg.mbuf_cache, 0,
            cfg.mbuf_data_room ? cfg.mbuf_data_room : RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        if (!info.pool) {
            set_error(error, "dpdk: port " + std::to_string(port) + ": mbuf pool of " +
                                 std::to_string(cfg.mbuf_count) + " failed: " + rte_strerror(rte_errno) +
                                 " (raise -m or lower the mbuf count)");
            return false;
        }
    }
    for (uint16_t q = 0; q < cfg.queues; ++q) {
        rte_eth_rxconf rxc = dev.default_rxconf;
        rxc.offloads = conf.rxmode.offloads;
        if (int rc = rte_eth_rx_queue_setup(port, q, rxd, socket, &rxc, info.pool); rc != 0)
            return fail("rte_eth_rx_queue_setup", rc);
        rte_eth_txconf txc = dev.default_txconf;
        txc.offloads = conf.txmode.offloads;
        if (int rc = rte_eth_tx_queue_setup(port, q, txd, socket, &txc); rc != 0)
            return fail("rte_eth_tx_queue_setup", rc);
    }
    if (cfg.mtu != 0) {
        if (int rc = rte_eth_dev_set_mtu(port, cfg.mtu); rc != 0)
            info.notes += "set_mtu(" + std::to_string(cfg.mtu) + ") refused: " + dpdk_error(rc) + "; ";
    }
    uint16_t mtu = 0;
    info.mtu = rte_eth_dev_get_mtu(port, &mtu) == 0 && mtu != 0 ? mtu : (cfg.mtu ? cfg.mtu : 1500);
    if (int rc = rte_eth_dev_start(port); rc != 0) return fail("rte_eth_dev_start", rc);
    // IPv6 neighbour discovery uses solicited-node multicast.
    if (rte_eth_allmulticast_enable(port) != 0)
        info.notes += "allmulticast refused (IPv6 ND may need promiscuous); ";
    if (cfg.promiscuous && rte_eth_promiscuous_enable(port) != 0) info.notes += "promiscuous refused; ";
    rte_ether_addr mac{};
    if (int rc = rte_eth_macaddr_get(port, &mac); rc != 0) return fail("rte_eth_macaddr_get", rc);
    std::memcpy(info.mac.b, mac.addr_bytes, 6);
    return true;
}

uint32_t rx_pool_size(const PortConfig& cfg, uint32_t burst) {
    const uint64_t per_queue = uint64_t(cfg.rx_desc) + burst + cfg.mbuf_cache * 3 / 2;
    const uint64_t need = per_queue * cfg.queues + 1024;
    uint64_t n = 8192;
    while (n - 1 < need) n *= 2;
    return uint32_t(std::min<uint64_t>(n - 1, UINT32_MAX));
}

void close_port(uint16_t port_id) {
    if (!rte_eth_dev_is_valid_port(port_id)) return;
    rte_eth_dev_stop(port_id);
    rte_eth_dev_close(port_id);
}

}  // namespace sipstorm::dpdk
