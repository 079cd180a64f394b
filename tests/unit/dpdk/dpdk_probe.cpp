// dpdk_probe: the DPDK engine against a real peer (tests/integration/dpdk_veth.sh). Starts EAL with the
// given arguments (a net_af_packet vdev on a veth end), opens port 0 with one queue, sends datagrams of
// several sizes (fragmented above the MTU) to each UDP echo peer and checks the echoes, then keeps
// answering ARP / ND / ping for --linger seconds and prints its counters.
//
//   dpdk_probe --eal "ARGS" --local 10.77.0.2,fd77::2 --peer 10.77.0.1:5060 --peer [fd77::1]:5060
//              [--port 5060] [--linger 3] [--sizes 100,1400,3000,8000] [--rx-room BYTES]
//   dpdk_probe --eal "... --vdev=net_null0" --local 10.0.0.1 --peer 10.0.0.2:5060 --bench-tx 5000000
#include <rte_ethdev.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "dpdk/dpdk_transport.hpp"
#include "dpdk/eal.hpp"

using namespace sipstorm;
using namespace sipstorm::dpdk;

int main(int argc, char** argv) {
    std::string eal, local;
    std::vector<std::string> peers;
    std::vector<uint32_t> sizes = {100, 1400, 3000, 8000};
    int linger = 0;
    uint16_t port = 5060;
    uint16_t rx_room = 0;
    uint64_t bench_tx =
        0;  // > 0: send this many 500-byte datagrams to the first peer (static MAC) and time it
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--eal")
            eal = v;
        else if (k == "--local")
            local = v;
        else if (k == "--peer")
            peers.push_back(v);
        else if (k == "--linger")
            linger = std::stoi(v);
        else if (k == "--port")
            port = uint16_t(std::stoi(v));
        else if (k == "--rx-room")
            rx_room = uint16_t(std::stoi(v));
        else if (k == "--bench-tx")
            bench_tx = std::stoull(v);
        else if (k == "--sizes") {
            sizes.clear();
            for (size_t p = 0; p < v.size();) {
                size_t c = v.find(',', p);
                if (c == std::string::npos) c = v.size();
                sizes.push_back(uint32_t(std::stoul(v.substr(p, c - p))));
                p = c + 1;
            }
        } else {
            std::fprintf(stderr, "dpdk_probe: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    std::string err;
    if (!eal_init(eal, &err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
    }
    PortConfig pc;
    pc.port_id = 0;
    pc.mbuf_count = 4095;
    pc.mbuf_cache = 0;
    pc.mbuf_data_room = rx_room;
    PortInfo pi;
    if (!setup_port(pc, pi, &err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
    }
    std::printf("port 0: %s mac %s mtu %u rss %d %s\n", pi.driver.c_str(), pi.mac.to_string().c_str(), pi.mtu,
                pi.rss, pi.notes.c_str());
    DpdkOptions o;
    o.port_id = 0;
    o.rx_pool = pi.pool;
    o.local_ips = local;
    o.local_port = port;
    o.tx_mbufs = 1023;
    auto t = open_dpdk(o, &err);
    if (!t) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
    }
    if (bench_tx) {
        // TX path only (headers, checksum, tx_burst), e.g. on net_null: datagrams per second on this core.
        net::Address peer;
        if (peers.empty() || !net::Address::parse(peers[0], 5060, peer)) return 2;
        t->stack().add_static_neighbor(peer, Mac{{2, 0, 0, 0, 0, 1}}, rte_get_tsc_cycles());
        std::string msg(500, 'x');
        auto t0 = std::chrono::steady_clock::now();
        uint64_t sent = 0;
        while (sent < bench_tx) {
            net::TxPacket* p;
            while (sent < bench_tx && (p = t->alloc_tx())) {
                std::memcpy(p->data, msg.data(), msg.size());
                p->len = uint32_t(msg.size());
                p->to = peer;
                ++sent;
            }
            t->flush();
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto& c = t->stack().counters();
        std::printf(
            "bench-tx: %lu datagrams of 500 B in %.3f s = %.2f M/s (frames out %lu, drops %lu, mbuf "
            "shortages %lu)\n",
            (unsigned long)sent, s, double(sent) / s / 1e6, (unsigned long)c.tx_packets,
            (unsigned long)c.total_drops(), (unsigned long)c.mbuf_alloc_failed);
        t.reset();
        close_port(0);
        eal_shutdown();
        return 0;
    }
    int failures = 0;
    uint32_t seq = 0;
    for (const auto& ps : peers) {
        net::Address peer;
        if (!net::Address::parse(ps, 5060, peer)) {
            std::fprintf(stderr, "dpdk_probe: bad peer %s\n", ps.c_str());
            return 2;
        }
        for (uint32_t size : sizes) {
            std::string msg = "probe " + std::to_string(++seq) + " ";
            while (msg.size() < size) msg.push_back(char('a' + (msg.size() * 13 + seq) % 26));
            msg.resize(size);
            net::TxPacket* p = t->alloc_tx();
            if (!p) return 1;
            std::memcpy(p->data, msg.data(), msg.size());
            p->len = uint32_t(msg.size());
            p->to = peer;
            t->flush();
            bool ok = false;
            auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
            while (!ok && std::chrono::steady_clock::now() < end) {
                for (const auto& r : t->poll(1000))
                    if (r.from == peer && std::string(r.data, r.len) == msg) ok = true;
            }
            std::printf("%s %s %u bytes\n", ok ? "ok  " : "FAIL", ps.c_str(), size);
            std::fflush(stdout);
            failures += !ok;
        }
    }
    std::printf("READY\n");
    std::fflush(stdout);
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(linger);
    while (std::chrono::steady_clock::now() < end) t->poll(1000);
    const auto& c = t->stack().counters();
    std::printf(
        "counters: rx %lu tx %lu udp_rx %lu udp_tx %lu arp_req_rx %lu arp_rep_tx %lu arp_req_tx %lu "
        "arp_rep_rx %lu ns_rx %lu na_tx %lu ns_tx %lu na_rx %lu echo_req_rx %lu echo_rep_tx %lu "
        "frag_rx %lu reassembled %lu fragmented %lu frag_tx %lu\n",
        (unsigned long)c.rx_packets, (unsigned long)c.tx_packets, (unsigned long)c.rx_udp,
        (unsigned long)c.tx_udp, (unsigned long)c.arp_requests_rx, (unsigned long)c.arp_replies_tx,
        (unsigned long)c.arp_requests_tx, (unsigned long)c.arp_replies_rx, (unsigned long)c.ns_rx,
        (unsigned long)c.na_tx, (unsigned long)c.ns_tx, (unsigned long)c.na_rx,
        (unsigned long)c.echo_requests_rx, (unsigned long)c.echo_replies_tx, (unsigned long)c.fragments_rx,
        (unsigned long)c.reassembled, (unsigned long)c.fragmented, (unsigned long)c.fragments_tx);
    std::printf("drops:");
    for (int i = 0; i < int(Drop::kCount); ++i)
        if (c.drops[i]) std::printf(" %s=%lu", drop_name(Drop(i)), (unsigned long)c.drops[i]);
    std::printf("\n");
    t.reset();
    close_port(0);
    eal_shutdown();
    return failures ? 1 : 0;
}
