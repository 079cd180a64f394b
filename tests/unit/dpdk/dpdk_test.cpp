// DPDK engine tests: two net_ring ports in this process, wired back to back (A's TX ring is B's RX
// ring and the other way round), one stack / transport on each. No hugepages, no NICs, no network.
// EAL starts once per process, in the gtest Environment below; when it cannot start, every test
// fails with DPDK's reason (never a silent skip).
#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dpdk/dpdk_transport.hpp"
#include "dpdk/eal.hpp"
#include "dpdk/stack/cksum.hpp"

using namespace sipstorm;
using namespace sipstorm::dpdk;

namespace {

bool g_ok = false;
std::string g_error;
PortInfo g_port[2];
PortInfo g_mq[2];  // two more ports with 2 queues each, wired like a NIC without RSS: every TX queue of
                   // one feeds RX queue 0 of the other (RX queue 1 stays empty)

class DpdkEnv : public ::testing::Environment {
  public:
    void SetUp() override {
        std::string args =
            "-l 0 --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --log-level=*:warning "
            "--file-prefix sipstorm_dpdk_test_" +
            std::to_string(getpid());
        // For checking the failure path (and odd machines): SIPSTORM_DPDK_TEST_EAL_ARGS replaces them.
        if (const char* env = std::getenv("SIPSTORM_DPDK_TEST_EAL_ARGS")) args = env;
        if (!eal_init(args, &g_error)) return;
        rte_ring* ab = rte_ring_create("sst_ab", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        rte_ring* ba = rte_ring_create("sst_ba", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (!ab || !ba) {
            g_error = "rte_ring_create failed";
            return;
        }
        int pa = rte_eth_from_rings("sst_a", &ba, 1, &ab, 1, SOCKET_ID_ANY);
        int pb = rte_eth_from_rings("sst_b", &ab, 1, &ba, 1, SOCKET_ID_ANY);
        if (pa < 0 || pb < 0) {
            g_error = "rte_eth_from_rings failed: " + dpdk_error(rte_errno);
            return;
        }
        for (int i = 0; i < 2; ++i) {
            PortConfig pc;
            pc.port_id = uint16_t(i == 0 ? pa : pb);
            pc.mbuf_count = 4095;
            pc.mbuf_cache = 0;
            pc.mtu = 1500;
            if (!setup_port(pc, g_port[i], &g_error)) return;
        }
        // Without SP/SC flags: two TX queues enqueue on one ring.
        rte_ring* cd = rte_ring_create("sst_cd", 1024, SOCKET_ID_ANY, 0);
        rte_ring* dc = rte_ring_create("sst_dc", 1024, SOCKET_ID_ANY, 0);
        rte_ring* c_idle = rte_ring_create("sst_ci", 64, SOCKET_ID_ANY, 0);
        rte_ring* d_idle = rte_ring_create("sst_di", 64, SOCKET_ID_ANY, 0);
        if (!cd || !dc || !c_idle || !d_idle) {
            g_error = "rte_ring_create failed";
            return;
        }
        rte_ring* c_rx[2] = {dc, c_idle};
        rte_ring* c_tx[2] = {cd, cd};
        rte_ring* d_rx[2] = {cd, d_idle};
        rte_ring* d_tx[2] = {dc, dc};
        int pc = rte_eth_from_rings("sst_c", c_rx, 2, c_tx, 2, SOCKET_ID_ANY);
        int pd = rte_eth_from_rings("sst_d", d_rx, 2, d_tx, 2, SOCKET_ID_ANY);
        if (pc < 0 || pd < 0) {
            g_error = "rte_eth_from_rings (2 queues) failed: " + dpdk_error(rte_errno);
            return;
        }
        for (int i = 0; i < 2; ++i) {
            PortConfig pcfg;
            pcfg.port_id = uint16_t(i == 0 ? pc : pd);
            pcfg.queues = 2;
            pcfg.mbuf_count = 2047;
            pcfg.mbuf_cache = 0;
            if (!setup_port(pcfg, g_mq[i], &g_error)) return;
        }
        g_ok = true;
    }
    void TearDown() override {
        if (!g_ok) return;
        for (auto& p : g_port) close_port(p.port_id);
        for (auto& p : g_mq) close_port(p.port_id);
        eal_shutdown();
    }
};
const auto* g_env = ::testing::AddGlobalTestEnvironment(new DpdkEnv);

net::Address ip(const char* text, uint16_t port) {
    net::Address a;
    EXPECT_TRUE(net::Address::parse(text, port, a)) << text;
    if (a.family == 0) a.port = port;
    return a;
}

net::Address ip6(const char* text, uint16_t port) {
    net::Address a;
    a.family = AF_INET6;
    a.port = port;
    Ip6 v{};
    EXPECT_TRUE(parse_ipv6(text, v)) << text;
    std::memcpy(a.ip, v.data(), 16);
    return a;
}

struct Got {
    std::string data;
    net::Address from;
};

class DpdkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(g_ok) << "EAL / net_ring set-up failed, the DPDK engine cannot be tested here: "
                          << g_error;
        // Drop whatever an earlier test left in the rings.
        rte_mbuf* ms[64];
        for (auto& p : g_port)
            while (uint16_t n = rte_eth_rx_burst(p.port_id, 0, ms, 64)) rte_pktmbuf_free_bulk(ms, n);
        for (auto& p : g_mq)
            for (uint16_t q = 0; q < 2; ++q)
                while (uint16_t n = rte_eth_rx_burst(p.port_id, q, ms, 64)) rte_pktmbuf_free_bulk(ms, n);
    }

    DpdkOptions options(int side, const char* ips) {
        DpdkOptions o;
        o.port_id = g_port[side].port_id;
        o.queue_id = 0;
        o.rx_pool = g_port[side].pool;
        o.local_ips = ips;
        o.local_port = 5060;
        o.local_mac = Mac{{0x02, 0, 0, 0, 0, uint8_t(0x0a + side)}};
        o.tx_mbufs = 511;
        o.stack.neigh_retry_ms = 5;
        o.stack.neigh_max_retries = 3;
        return o;
    }

    std::unique_ptr<DpdkTransport> open(const DpdkOptions& o) {
        std::string err;
        auto t = open_dpdk(o, &err);
        EXPECT_TRUE(t) << err;
        return t;
    }

    static void send(DpdkTransport& t, const net::Address& to, const std::string& data, uint8_t lane = 0) {
        net::TxPacket* p = t.alloc_tx();
        ASSERT_NE(p, nullptr);
        std::memcpy(p->data, data.data(), data.size());
        p->len = uint32_t(data.size());
        p->to = to;
        p->lane = lane;
    }

    // Polls both sides until `want` datagrams reached b (or 2 s passed); returns them.
    static std::vector<Got> pump(DpdkTransport& a, DpdkTransport& b, size_t want,
                                 std::vector<Got>* at_a = nullptr) {
        std::vector<Got> got;
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::chrono::steady_clock::now() < end) {
            for (const auto& p : a.poll(0))
                if (at_a) at_a->push_back({std::string(p.data, p.len), p.from});
            for (const auto& p : b.poll(0)) got.push_back({std::string(p.data, p.len), p.from});
            if (got.size() >= want && (!at_a || want == 0)) {
                // a few more rounds so late answers are processed
                for (int i = 0; i < 20; ++i) {
                    a.poll(0);
                    for (const auto& p : b.poll(0)) got.push_back({std::string(p.data, p.len), p.from});
                }
                break;
            }
        }
        return got;
    }
    // Polls both for a while (retries, replies).
    static void settle(DpdkTransport& a, DpdkTransport& b, int ms) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < end) {
            a.poll(0);
            b.poll(0);
        }
    }
};

// ------------------------------------------------------------------------------ pure helpers

TEST(DpdkArgs, SplitsLikeAShell) {
    std::vector<std::string> v;
    std::string err;
    ASSERT_TRUE(split_args("  -l 0 --vdev 'net_ring0,x=1 y'  --a=\"b \\\"c\\\"\" d\\ e ''", v, &err)) << err;
    std::vector<std::string> want = {"-l", "0", "--vdev", "net_ring0,x=1 y", "--a=b \"c\"", "d e", ""};
    EXPECT_EQ(v, want);
    EXPECT_FALSE(split_args("--vdev 'abc", v, &err));
    EXPECT_NE(err.find("unterminated"), std::string::npos);
    EXPECT_FALSE(split_args("abc\\", v, &err));
    ASSERT_TRUE(split_args("", v, &err));
    EXPECT_TRUE(v.empty());
}

TEST(DpdkArgs, SecondInitReturnsTheFirstOutcome) {
    std::string err;
    EXPECT_EQ(eal_init("--this-is-not-an-option", &err), g_ok) << err;
}

TEST(DpdkConfig, ParsesLocalAddresses) {
    StackConfig c;
    std::string err;
    ASSERT_TRUE(parse_local_ips("10.0.0.10-10.0.0.50, 10.0.1.1,fd00::10", c, &err)) << err;
    ASSERT_EQ(c.ipv4.size(), 2u);
    EXPECT_EQ(c.ipv4[0].lo, 0x0a00000au);
    EXPECT_EQ(c.ipv4[0].hi, 0x0a000032u);
    EXPECT_EQ(c.ipv4[1].lo, c.ipv4[1].hi);
    ASSERT_EQ(c.ipv6.size(), 1u);
    EXPECT_EQ(c.ipv6[0][15], 0x10);
    EXPECT_FALSE(parse_local_ips("10.0.0.50-10.0.0.10", c, &err));
    EXPECT_FALSE(parse_local_ips("10.0.0.300", c, &err));
    EXPECT_NE(err.find("10.0.0.300"), std::string::npos);
    Mac m;
    ASSERT_TRUE(Mac::parse("02:00:0a:0B:00:ff", m));
    EXPECT_EQ(m.to_string(), "02:00:0a:0b:00:ff");
    EXPECT_FALSE(Mac::parse("02:00:0a:0B:00", m));
}

// ------------------------------------------------------------------------------ with ports

TEST_F(DpdkTest, PortSetUpReportsNoRssOnRing) {
    EXPECT_EQ(g_port[0].driver, "net_ring");
    EXPECT_FALSE(g_port[0].rss);
    EXPECT_NE(g_port[0].pool, nullptr);
    PortConfig pc;
    pc.port_id = 999;
    PortInfo pi;
    std::string err;
    EXPECT_FALSE(setup_port(pc, pi, &err));
    EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
}

TEST_F(DpdkTest, ArpResolvesQueuesAndCaches) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    net::Address to_b = ip("10.0.0.2:5060", 5060);
    EXPECT_EQ(a->stack().neighbor(to_b), nullptr);
    send(*a, to_b, "INVITE one");
    a->flush();
    // Unresolved: queued, one ARP request out.
    EXPECT_EQ(a->stack().counters().pending_queued, 1u);
    EXPECT_EQ(a->stack().counters().arp_requests_tx, 1u);
    auto got = pump(*a, *b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data, "INVITE one");
    EXPECT_EQ(got[0].from.to_string(), "10.0.0.1:5060");
    const NeighEntry* e = a->stack().neighbor(to_b);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state, NeighEntry::State::kReachable);
    EXPECT_EQ(e->mac.to_string(), "02:00:00:00:00:0b");
    EXPECT_EQ(b->stack().counters().arp_requests_rx, 1u);
    EXPECT_EQ(b->stack().counters().arp_replies_tx, 1u);
    EXPECT_EQ(a->stack().counters().arp_replies_rx, 1u);
    EXPECT_EQ(a->stack().counters().pending_released, 1u);

    // Cached: the next datagram goes without ARP; B learned A from the request, so its answer too.
    send(*a, to_b, "INVITE two");
    a->flush();
    got = pump(*a, *b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data, "INVITE two");
    send(*b, ip("10.0.0.1:5060", 5060), "SIP/2.0 200 OK");
    b->flush();
    auto back = pump(*b, *a, 1);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].data, "SIP/2.0 200 OK");
    EXPECT_EQ(back[0].from.to_string(), "10.0.0.2:5060");
    EXPECT_EQ(a->stack().counters().arp_requests_tx, 1u);
    EXPECT_EQ(b->stack().counters().arp_requests_tx, 0u);
    EXPECT_EQ(a->stats().tx_packets, 2u);
    EXPECT_EQ(b->stats().rx_packets, 2u);
    EXPECT_EQ(a->stats().tx_errors, 0u);
}

TEST_F(DpdkTest, AnswersArpForEveryAddressOfARange) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.10-10.0.0.50"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(b->local_address().to_string(), "10.0.0.10:5060");
    for (const char* dst : {"10.0.0.10", "10.0.0.33", "10.0.0.50"}) {
        send(*a, ip(dst, 5060), std::string("to ") + dst);
    }
    a->flush();
    auto got = pump(*a, *b, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(b->stack().counters().arp_replies_tx, 3u);
    EXPECT_EQ(a->stack().neighbor_count(), 3u);
}

TEST_F(DpdkTest, UnansweredArpRetriesThenFails) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    for (int i = 0; i < 64; ++i) send(*a, ip("10.0.0.99", 5060), "lost");
    EXPECT_EQ(a->alloc_tx(), nullptr);  // the TX batch (64) is full until flush()
    a->flush();
    for (int i = 0; i < 6; ++i) send(*a, ip("10.0.0.99", 5060), "lost");
    a->flush();
    const auto& c = a->stack().counters();
    EXPECT_EQ(c.pending_queued, 64u);  // pending_per_neigh
    EXPECT_EQ(c.drop(Drop::kPendingFull), 6u);
    settle(*a, *b, 100);  // 3 tries, 5 ms apart
    EXPECT_EQ(c.arp_requests_tx, 3u);
    EXPECT_EQ(c.neigh_failed, 1u);
    EXPECT_EQ(c.drop(Drop::kUnresolved), 64u);
    EXPECT_EQ(b->stack().counters().drop(Drop::kNotOurIp), 3u);  // B saw the requests, not for it
    EXPECT_EQ(a->stats().tx_errors, 70u);
    // Off-link without a gateway: no route.
    send(*a, ip("192.168.1.1", 5060), "nowhere");
    a->flush();
    EXPECT_EQ(c.drop(Drop::kNoRoute), 1u);
}

TEST_F(DpdkTest, RefreshesEntriesPastTheirLifetime) {
    DpdkOptions oa = options(0, "10.0.0.1");
    oa.stack.neigh_reachable_ms = 20;
    auto a = open(oa);
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    net::Address to_b = ip("10.0.0.2", 5060);
    send(*a, to_b, "hello");
    a->flush();
    ASSERT_EQ(pump(*a, *b, 1).size(), 1u);
    settle(*a, *b, 80);  // B answers the refreshes
    const NeighEntry* e = a->stack().neighbor(to_b);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state, NeighEntry::State::kReachable);
    EXPECT_GE(a->stack().counters().arp_requests_tx, 2u);
    // B goes silent: after its lifetime and the retries the entry goes.
    // (20 ms lifetime + 3 requests 5 ms apart; 1 s of slack for a loaded CI machine.)
    auto start = std::chrono::steady_clock::now();
    while (a->stack().neighbor(to_b) && std::chrono::steady_clock::now() < start + std::chrono::seconds(1))
        a->poll(0);
    EXPECT_EQ(a->stack().neighbor(to_b), nullptr);
}

TEST_F(DpdkTest, StaticNeighbourNeedsNoArp) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    a->stack().add_static_neighbor(ip("10.0.0.2", 0), Mac{{2, 0, 0, 0, 0, 0x0b}}, rte_get_tsc_cycles());
    send(*a, ip("10.0.0.2", 5060), "direct");
    a->flush();
    EXPECT_EQ(a->stack().counters().arp_requests_tx, 0u);
    EXPECT_EQ(a->stack().counters().pending_queued, 0u);
    auto got = pump(*a, *b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data, "direct");
    EXPECT_TRUE(a->stack().neighbor(ip("10.0.0.2", 0))->permanent);
}

TEST_F(DpdkTest, QueuesOfAPortShareResolutions) {
    // Port C: shard 0 on queue 0, shard 1 on queue 1, one SharedNeighbors. Port D: one stack on queue 0.
    EXPECT_FALSE(g_mq[0].rss);
    EXPECT_TRUE(g_mq[0].software_handover_needed);
    SharedNeighbors shared;
    auto opt = [&](int side, uint16_t q, const char* ips) {
        DpdkOptions o = options(0, ips);
        o.port_id = g_mq[side].port_id;
        o.rx_pool = g_mq[side].pool;
        o.queue_id = q;
        o.local_mac = Mac{{0x02, 0, 0, 0, 1, uint8_t(0x0c + side)}};
        if (side == 0) o.neighbors = &shared;
        return o;
    };
    auto c0 = open(opt(0, 0, "10.0.2.1"));
    auto c1 = open(opt(0, 1, "10.0.2.1"));
    auto d0 = open(opt(1, 0, "10.0.2.2"));
    ASSERT_TRUE(c0 && c1 && d0);
    net::Address to_d = ip("10.0.2.2", 5060);
    send(*c1, to_d, "from shard 1");
    c1->flush();
    EXPECT_EQ(c1->stack().counters().arp_requests_tx, 1u);
    // D answers on its queue 0, which lands on C's queue 0: c0 learns and publishes, c1 adopts.
    std::vector<Got> got;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (got.empty() && std::chrono::steady_clock::now() < end) {
        c0->poll(0);
        c1->poll(0);
        for (const auto& p : d0->poll(0)) got.push_back({std::string(p.data, p.len), p.from});
    }
    auto dump = [](const char* n, DpdkTransport& t) {
        const auto& c = t.stack().counters();
        std::string d;
        for (int i = 0; i < int(Drop::kCount); ++i)
            if (c.drops[i]) d += std::string(" ") + drop_name(Drop(i)) + "=" + std::to_string(c.drops[i]);
        return std::string(n) + ": rx " + std::to_string(c.rx_packets) + " tx " +
               std::to_string(c.tx_packets) + " arp_req_tx " + std::to_string(c.arp_requests_tx) +
               " arp_rep_rx " + std::to_string(c.arp_replies_rx) + " arp_req_rx " +
               std::to_string(c.arp_requests_rx) + " arp_rep_tx " + std::to_string(c.arp_replies_tx) +
               " drops" + d + "\n";
    };
    ASSERT_EQ(got.size(), 1u) << dump("c0", *c0) << dump("c1", *c1) << dump("d0", *d0);
    EXPECT_EQ(got[0].data, "from shard 1");
    EXPECT_EQ(c0->stack().counters().arp_replies_rx, 1u);
    EXPECT_EQ(c1->stack().counters().arp_replies_rx, 0u);
    EXPECT_EQ(c1->stack().counters().pending_released, 1u);
    EXPECT_EQ(c1->stack().counters().neigh_failed, 0u);
    // c0 itself needs no request now.
    send(*c0, to_d, "from shard 0");
    c0->flush();
    EXPECT_EQ(c0->stack().counters().arp_requests_tx, 0u);
    EXPECT_EQ(c0->stack().counters().pending_queued, 0u);
}

TEST_F(DpdkTest, ViaGatewayResolvesTheGateway) {
    DpdkOptions oa = options(0, "10.0.0.1");
    oa.gateway = "10.0.0.2";
    auto a = open(oa);
    auto b = open(options(1, "10.0.0.2,192.168.7.7"));
    ASSERT_TRUE(a && b);
    send(*a, ip("192.168.7.7", 5060), "routed");
    a->flush();
    auto got = pump(*a, *b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(a->stack().neighbor(ip("10.0.0.2", 0)), nullptr);
    EXPECT_EQ(a->stack().neighbor(ip("192.168.7.7", 0)), nullptr);
}

TEST_F(DpdkTest, LanesKeepOrder) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    net::Address to = ip("10.0.0.2", 5060);
    send(*a, to, "warm-up");
    a->flush();
    ASSERT_EQ(pump(*a, *b, 1).size(), 1u);
    send(*a, to, "200", 2);
    send(*a, to, "100", 0);
    send(*a, to, "180", 1);
    a->flush();
    auto got = pump(*a, *b, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].data, "100");
    EXPECT_EQ(got[1].data, "180");
    EXPECT_EQ(got[2].data, "200");
}

TEST_F(DpdkTest, FragmentsAndReassemblesIpv4) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    std::string big(3000, 'x');
    for (size_t i = 0; i < big.size(); ++i) big[i] = char('A' + i % 26);
    std::string huge(8000, 'y');
    for (size_t i = 0; i < huge.size(); ++i) huge[i] = char('a' + (i * 7) % 26);
    send(*a, ip("10.0.0.2", 5060), big);
    send(*a, ip("10.0.0.2", 5060), huge);
    a->flush();
    auto got = pump(*a, *b, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].data, big);
    EXPECT_EQ(got[1].data, huge);
    EXPECT_EQ(a->stack().counters().fragmented, 2u);
    EXPECT_EQ(a->stack().counters().fragments_tx, 3u + 6u);
    EXPECT_EQ(b->stack().counters().fragments_rx, 9u);
    EXPECT_EQ(b->stack().counters().reassembled, 2u);
    EXPECT_EQ(b->stack().counters().drop(Drop::kBadUdpChecksum), 0u);
}

TEST_F(DpdkTest, Ipv6NeighbourDiscoveryThenUdp) {
    auto a = open(options(0, "fd00::1"));
    auto b = open(options(1, "fd00::2"));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->local_address().to_string(), "[fd00::1]:5060");
    net::Address to_b = ip6("fd00::2", 5060);
    send(*a, to_b, "OPTIONS v6");
    a->flush();
    EXPECT_EQ(a->stack().counters().ns_tx, 1u);
    auto got = pump(*a, *b, 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].data, "OPTIONS v6");
    EXPECT_EQ(got[0].from.to_string(), "[fd00::1]:5060");
    EXPECT_EQ(b->stack().counters().ns_rx, 1u);
    EXPECT_EQ(b->stack().counters().na_tx, 1u);
    EXPECT_EQ(a->stack().counters().na_rx, 1u);
    const NeighEntry* e = a->stack().neighbor(to_b);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mac.to_string(), "02:00:00:00:00:0b");
    // Back, without ND (B learned A from the NS), and a fragmented one.
    std::string big(3000, 'z');
    for (size_t i = 0; i < big.size(); ++i) big[i] = char('0' + i % 10);
    send(*b, ip6("fd00::1", 5060), big);
    b->flush();
    auto back = pump(*b, *a, 1);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].data, big);
    EXPECT_EQ(b->stack().counters().ns_tx, 0u);
    EXPECT_EQ(b->stack().counters().fragments_tx, 3u);
    EXPECT_EQ(a->stack().counters().reassembled, 1u);
}

TEST_F(DpdkTest, AnswersPingV4AndV6) {
    auto a = open(options(0, "10.0.0.1,fd00::1"));
    auto b = open(options(1, "10.0.0.2,fd00::2"));
    ASSERT_TRUE(a && b);
    uint64_t now = rte_get_tsc_cycles();
    ASSERT_TRUE(a->stack().send_ping(ip("10.0.0.2", 0), 7, 1, now));
    ASSERT_TRUE(a->stack().send_ping(ip6("fd00::2", 0), 7, 2, now));
    a->stack().flush_tx();
    settle(*a, *b, 50);
    EXPECT_EQ(b->stack().counters().echo_requests_rx, 2u);
    EXPECT_EQ(b->stack().counters().echo_replies_tx, 2u);
    EXPECT_EQ(a->stack().counters().echo_replies_rx, 2u);
    EXPECT_EQ(a->stack().counters().total_drops(), 0u);
    EXPECT_EQ(b->stack().counters().total_drops(), 0u);
}

TEST_F(DpdkTest, CountsDropsByReason) {
    auto a = open(options(0, "10.0.0.1"));
    auto b = open(options(1, "10.0.0.2"));
    ASSERT_TRUE(a && b);
    send(*a, ip("10.0.0.2", 5070), "wrong port");
    a->flush();
    settle(*a, *b, 30);
    EXPECT_EQ(b->stack().counters().drop(Drop::kNoListener), 1u);
    EXPECT_EQ(b->stats().rx_packets, 0u);

    // A hand-made frame with a broken UDP checksum, fed straight to B's stack.
    rte_mbuf* m = rte_pktmbuf_alloc(g_port[0].pool);
    ASSERT_NE(m, nullptr);
    const char payload[] = "corrupt";
    uint32_t len = 14 + 20 + 8 + sizeof payload - 1;
    auto* f = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, uint16_t(len)));
    ASSERT_NE(f, nullptr);
    std::memset(f, 0, len);
    const uint8_t dst[6] = {2, 0, 0, 0, 0, 0x0b}, src[6] = {2, 0, 0, 0, 0, 0x0a};
    std::memcpy(f, dst, 6);
    std::memcpy(f + 6, src, 6);
    f[12] = 0x08;
    auto* iph = reinterpret_cast<rte_ipv4_hdr*>(f + 14);
    iph->version_ihl = RTE_IPV4_VHL_DEF;
    iph->total_length = rte_cpu_to_be_16(uint16_t(len - 14));
    iph->time_to_live = 64;
    iph->next_proto_id = IPPROTO_UDP;
    iph->src_addr = rte_cpu_to_be_32(0x0a000001);
    iph->dst_addr = rte_cpu_to_be_32(0x0a000002);
    iph->hdr_checksum = rte_ipv4_cksum(iph);
    auto* udp = reinterpret_cast<rte_udp_hdr*>(iph + 1);
    udp->src_port = rte_cpu_to_be_16(5060);
    udp->dst_port = rte_cpu_to_be_16(5060);
    udp->dgram_len = rte_cpu_to_be_16(uint16_t(8 + sizeof payload - 1));
    std::memcpy(udp + 1, payload, sizeof payload - 1);
    udp->dgram_cksum = rte_ipv4_udptcp_cksum(iph, udp);
    rte_mbuf* good = rte_pktmbuf_copy(m, g_port[0].pool, 0, UINT32_MAX);
    ASSERT_NE(good, nullptr);
    udp->dgram_cksum ^= 0x0101;
    UdpDatagram d;
    uint64_t now = rte_get_tsc_cycles();
    EXPECT_FALSE(b->stack().input(m, now, d));
    EXPECT_EQ(b->stack().counters().drop(Drop::kBadUdpChecksum), 1u);
    ASSERT_TRUE(b->stack().input(good, now, d));
    EXPECT_EQ(std::string(d.data, d.len), "corrupt");
    EXPECT_EQ(d.from.to_string(), "10.0.0.1:5060");
    EXPECT_EQ(d.to.to_string(), "10.0.0.2:5060");
    rte_pktmbuf_free(d.m);
    // Another MAC: dropped before IP.
    rte_mbuf* other = rte_pktmbuf_alloc(g_port[0].pool);
    ASSERT_NE(other, nullptr);
    auto* o = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(other, 60));
    ASSERT_NE(o, nullptr);
    std::memset(o, 0, 60);
    o[0] = 2;
    o[5] = 0x77;
    EXPECT_FALSE(b->stack().input(other, now, d));
    EXPECT_EQ(b->stack().counters().drop(Drop::kNotOurMac), 1u);
    EXPECT_STREQ(drop_name(Drop::kBadUdpChecksum), "bad_udp_checksum");
}

}  // namespace

// cksum.hpp against DPDK's own 16-bit loop: every length up to two MTUs, every alignment, random bytes
// and all-ones (the carry-heaviest input).
TEST(Cksum, MatchesRteRawCksum) {
    std::vector<uint8_t> buf(3100 + 8);
    uint32_t x = 12345;
    for (auto& b : buf) b = uint8_t((x = x * 1103515245u + 12345u) >> 24);
    for (int fill = 0; fill < 2; ++fill) {
        if (fill) std::fill(buf.begin(), buf.end(), 0xff);
        for (size_t off = 0; off < 8; ++off)
            for (size_t len = 0; len <= 3100; len += (len < 80 ? 1 : 7)) {
                ASSERT_EQ(cksum_fold(cksum_add(buf.data() + off, len, 0)),
                          rte_raw_cksum(buf.data() + off, len))
                    << "off " << off << " len " << len << " fill " << fill;
                // With a starting value, as the pseudo header is added.
                ASSERT_EQ(cksum_fold(cksum_add(buf.data() + off, len, 0xfffe)),
                          uint16_t(cksum_fold(uint64_t(rte_raw_cksum(buf.data() + off, len)) + 0xfffe)));
            }
    }
}

// The port's RX pool follows the queue count: 8191 covers two shards; eight need 16383.
TEST(DpdkConfig, RxPoolCoversEveryQueue) {
    PortConfig pc;
    pc.queues = 1;
    EXPECT_EQ(rx_pool_size(pc, 64), 8191u);
    pc.queues = 2;
    EXPECT_EQ(rx_pool_size(pc, 64), 8191u);
    pc.queues = 8;  // 8 x (1024 + 64 + 384) + 1024 = 12800
    EXPECT_EQ(rx_pool_size(pc, 64), 16383u);
    pc.queues = 64;
    EXPECT_EQ(rx_pool_size(pc, 64), 131071u);
    pc.rx_desc = 4096;
    pc.queues = 2;  // 2 x (4096 + 64 + 384) + 1024 = 10112
    EXPECT_EQ(rx_pool_size(pc, 64), 16383u);
}
