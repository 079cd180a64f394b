// The call engine's own ceiling with the kernel out of the way, against the same engine over kernel
// UDP, on one core, in one run.
//
// A UAC engine (scenarios/basic_call.lua) and a UAS engine (scenarios/answer.lua), the real ua::Engine
// with the real compiled scenarios and the runner's ShardRecorder, talk to each other:
//   dpdk    over two net_ring ports wired back to back (port A's TX ring is port B's RX ring and the
//           other way round), a DpdkTransport (and its stack: Ethernet, ARP, IPv4, UDP checksums in
//           software) on each;
//   kernel  over two net::UdpTransport sockets on 127.0.0.1 (GSO and GRO on, as `sipstorm run`).
// Both pairs run in ONE thread (the EAL main lcore, pinned to one CPU) with the shard loop's shape:
// start the due calls, poll each transport and hand datagrams to its engine, fire timers, flush. So
// every figure is for one core, and the kernel's loopback work, done in this thread's system calls and
// softirqs, counts against that same core. The DPDK side has no system call at all.
//
// Load: closed loop, --calls-in-flight calls kept up (default), or --rate calls/s (uniform, still capped
// by --calls-in-flight). Each pair warms up for 0.5 s, then the pairs take turns for --rounds windows
// that add up to --seconds each (so a change in the machine's load hits both alike); after each window
// the live calls end before the other pair's turn.
// Messages/s counts SIP messages sent by either engine (each is also received and parsed by the other,
// on the same core): a basic call is 7 (INVITE 100 180 200 ACK BYE 200). msgs_per_cpu_s divides by
// the thread's CPU time instead of the wall-clock time: the fairer figure when other processes take
// turns on the core (cpu_share < 1).
//
// Output: one line per engine (engine=dpdk|kernel key=value ...), then the ratios dpdk/kernel.
#include <fmt/core.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "dpdk/dpdk_transport.hpp"
#include "dpdk/eal.hpp"
#include "net/udp_transport.hpp"
#include "runtime/arrival.hpp"
#include "runtime/clock.hpp"
#include "script/scenario_compiler.hpp"
#include "stats/shard_stats.hpp"
#include "ua/engine.hpp"
#include "ua/shard_recorder.hpp"

namespace {

using namespace sipstorm;

constexpr uint64_t kWarmupNs = 500'000'000;
constexpr uint64_t kDrainNs = 2'000'000'000;
constexpr uint32_t kRingSize = 16384;  // per direction; more than the calls in flight can fill

struct Config {
    double seconds = 4;
    uint32_t in_flight = 1000;
    double rate = 0;  // 0: closed loop
    uint32_t rounds = 4;
    uint32_t tx_mbufs = 4095;  // per transport, as DpdkOptions' default (and the CLI's)
    std::string only;
    std::string eal;
    std::string root = SIPSTORM_SOURCE_DIR;
};

[[noreturn]] void die(const std::string& what) {
    fmt::print(stderr, "dpdk_ceiling: {}\n", what);
    std::exit(1);
}

[[noreturn]] void usage() {
    fmt::print(stderr,
               "usage: dpdk_ceiling [--seconds S] [--rounds N] [--calls-in-flight N] [--rate CPS]\n"
               "                    [--tx-mbufs N] [--only dpdk|kernel] [--eal \"EAL ARGS\"] [--root DIR]\n"
               "  A UAC and a UAS engine (basic_call.lua / answer.lua) in one thread, over two net_ring\n"
               "  ports (DPDK) and over loopback UDP (kernel), in alternating rounds; calls/s and SIP\n"
               "  messages/s per core, and their ratio.\n"
               "  Defaults: 4 s measured per engine in 4 rounds, 1000 calls in flight, closed loop.\n");
    std::exit(2);
}

Config parse_args(int argc, char** argv) {
    Config cfg;
    cfg.eal =
        "-l 0 --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --log-level=*:warning --file-prefix "
        "sipstorm_dpdk_ceiling_" +
        std::to_string(getpid());
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--seconds" && has_value) {
            cfg.seconds = std::atof(argv[++i]);
        } else if ((a == "--calls-in-flight" || a == "--concurrent") && has_value) {
            cfg.in_flight = static_cast<uint32_t>(std::atoi(argv[++i]));
        } else if (a == "--rate" && has_value) {
            cfg.rate = std::atof(argv[++i]);
        } else if (a == "--tx-mbufs" && has_value) {
            cfg.tx_mbufs = static_cast<uint32_t>(std::atoi(argv[++i]));
        } else if (a == "--rounds" && has_value) {
            cfg.rounds = static_cast<uint32_t>(std::atoi(argv[++i]));
        } else if (a == "--only" && has_value) {
            cfg.only = argv[++i];
        } else if (a == "--eal" && has_value) {
            cfg.eal = argv[++i];
        } else if (a == "--root" && has_value) {
            cfg.root = argv[++i];
        } else {
            usage();
        }
    }
    if (cfg.seconds <= 0 || cfg.in_flight == 0 || cfg.rate < 0 || cfg.rounds == 0) usage();
    if (!cfg.only.empty() && cfg.only != "dpdk" && cfg.only != "kernel") usage();
    return cfg;
}

uint64_t thread_cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

// One engine with what the runner gives it: its statistics and recorder.
struct Side {
    Side(const ua::EngineConfig& ec, const ua::Program& program, net::Transport& t, uint64_t now)
        : transport(t), stats(now), recorder(stats), engine(ec, program, t, recorder, nullptr, now) {}
    net::Transport& transport;
    stats::ShardStats stats;
    ua::ShardRecorder recorder;
    ua::Engine engine;

    // The runner's receive step: a few rounds per pass so that timers and starts are never starved.
    void step(uint64_t now) {
        for (int round = 0; round < 8; ++round) {
            auto packets = transport.poll(0);
            if (packets.empty()) break;
            for (const net::RxPacket& p : packets) engine.on_packet(p, now);
        }
        engine.advance(now);
        transport.flush();
    }
};

struct Reading {
    uint64_t ns = 0, cpu_ns = 0, calls = 0, messages = 0;
};

struct Result {
    double seconds = 0, cpu_seconds = 0;
    double best_window_msgs_per_s = 0;  // the least disturbed window, when other processes share the core
    uint64_t calls = 0, messages = 0, failed = 0, retransmissions = 0, unfinished = 0;
    double calls_per_s() const { return double(calls) / seconds; }
    double msgs_per_s() const { return double(messages) / seconds; }
    double msgs_per_cpu_s() const { return double(messages) / cpu_seconds; }
};

struct Programs {
    ua::Program uac, uas;
};

// A UAC engine calling a UAS engine over a pair of transports, kept across rounds.
class Pair {
  public:
    Pair(const Config& cfg, const Programs& progs, net::Transport& uac_t, net::Transport& uas_t,
         const net::Address& target)
        : cfg_(cfg),
          uac_(engine_config(cfg, 0x5151c011, target), progs.uac, uac_t, runtime::now_ns()),
          uas_(engine_config(cfg, 0x5151c022, {}), progs.uas, uas_t, runtime::now_ns()) {}

    // Starts calls for window_ns and counts what the window did (measure = false: a warm-up), then
    // lets the live calls end (at most kDrainNs, not counted) so the next pair starts from idle.
    void round(uint64_t window_ns, bool measure) {
        const uint64_t from = runtime::now_ns(), to = from + window_ns;
        std::unique_ptr<runtime::ArrivalSchedule> schedule;
        if (cfg_.rate > 0) {
            runtime::ArrivalConfig ac;
            ac.rate_cps = cfg_.rate;
            ac.duration_ns = window_ns;
            schedule = std::make_unique<runtime::ArrivalSchedule>(ac, from);
        }
        const Reading begin = read();
        uint64_t due[64];
        for (uint64_t now = from; now < to; now = runtime::now_ns()) {
            const uint32_t live = uac_.engine.live_calls();
            uint32_t room = std::min<uint32_t>(cfg_.in_flight > live ? cfg_.in_flight - live : 0, 256);
            if (schedule) {
                const size_t n =
                    schedule->next_due(now, std::span<uint64_t>(due, std::min<uint32_t>(room, 64)));
                for (size_t i = 0; i < n; ++i) uac_.engine.start_call(due[i], now);
            } else {
                while (room-- > 0 && uac_.engine.start_call(now, now)) {
                }
            }
            uac_.step(now);
            uas_.step(now);
        }
        const Reading end = read();
        if (measure) {
            total_.seconds += double(end.ns - begin.ns) / 1e9;
            total_.cpu_seconds += double(end.cpu_ns - begin.cpu_ns) / 1e9;
            total_.calls += end.calls - begin.calls;
            total_.messages += end.messages - begin.messages;
            total_.best_window_msgs_per_s =
                std::max(total_.best_window_msgs_per_s,
                         double(end.messages - begin.messages) * 1e9 / double(end.ns - begin.ns));
        }
        for (uint64_t now = end.ns; uac_.engine.live_calls() > 0 && now < end.ns + kDrainNs;
             now = runtime::now_ns()) {
            uac_.step(now);
            uas_.step(now);
        }
    }

    Result result() {
        Result r = total_;
        const stats::Counts a = stats::load(uac_.stats.counters()), b = stats::load(uas_.stats.counters());
        r.failed = a.calls_failed + b.calls_failed;
        r.retransmissions = stats::retransmissions_total(a) + stats::retransmissions_total(b);
        r.unfinished = uac_.engine.live_calls();
        return r;
    }

  private:
    static ua::EngineConfig engine_config(const Config& cfg, uint32_t run_id, const net::Address& remote) {
        ua::EngineConfig ec;
        ec.run_id = run_id;
        ec.max_calls = cfg.in_flight + 1024;
        ec.remote = remote;
        return ec;
    }
    Reading read() {
        Reading r;
        r.ns = runtime::now_ns();
        r.cpu_ns = thread_cpu_ns();
        r.calls = stats::load(uac_.stats.counters()).calls_succeeded;
        r.messages = uac_.transport.stats().tx_packets + uas_.transport.stats().tx_packets;
        return r;
    }

    const Config& cfg_;
    Side uac_, uas_;
    Result total_;
};

void print(const char* engine, const Result& r, const Config& cfg, const std::string& extra = {}) {
    fmt::print(
        "engine={} seconds={:.2f} calls_in_flight={} rate={} calls={} calls_per_s={:.0f} msgs_per_s={:.0f} "
        "cpu_share={:.2f} msgs_per_cpu_s={:.0f} best_window_msgs_per_s={:.0f} failed={} retransmissions={} "
        "unfinished={}{}\n",
        engine, r.seconds, cfg.in_flight, cfg.rate > 0 ? fmt::format("{:.0f}", cfg.rate) : "closed", r.calls,
        r.calls_per_s(), r.msgs_per_s(), r.cpu_seconds / r.seconds, r.msgs_per_cpu_s(),
        r.best_window_msgs_per_s, r.failed, r.retransmissions, r.unfinished, extra);
    std::fflush(stdout);
}

// What the two stacks dropped and whether an mbuf pool ran dry: a ceiling reached by losing packets
// would not be one.
std::string stack_figures(const dpdk::DpdkTransport& a, const dpdk::DpdkTransport& b) {
    uint64_t drops = 0, nombuf = 0, arp = 0;
    for (const auto* t : {&a, &b}) {
        const dpdk::StackCounters& c = t->stack().counters();
        drops += c.total_drops();
        nombuf += c.mbuf_alloc_failed;
        arp += c.arp_requests_tx + c.arp_replies_tx;
    }
    return fmt::format(" stack_drops={} mbuf_alloc_failed={} arp_sent={}", drops, nombuf, arp);
}

// Two net_ring ports wired back to back, each started with one queue pair and a DpdkTransport on it.
struct DpdkPorts {
    dpdk::PortInfo port[2];
    std::unique_ptr<dpdk::DpdkTransport> t[2];
};

void open_dpdk_pair(const Config& cfg, DpdkPorts& pair) {
    std::string err;
    if (!dpdk::eal_init(cfg.eal, &err)) die(err);
    rte_ring* ab = rte_ring_create("ssc_ab", kRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* ba = rte_ring_create("ssc_ba", kRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!ab || !ba) die("rte_ring_create: " + dpdk::dpdk_error(rte_errno));
    const int pa = rte_eth_from_rings("ssc_a", &ba, 1, &ab, 1, SOCKET_ID_ANY);
    const int pb = rte_eth_from_rings("ssc_b", &ab, 1, &ba, 1, SOCKET_ID_ANY);
    if (pa < 0 || pb < 0) die("rte_eth_from_rings: " + dpdk::dpdk_error(rte_errno));
    const char* ips[2] = {"10.99.0.1", "10.99.0.2"};
    for (int i = 0; i < 2; ++i) {
        dpdk::PortConfig pc;
        pc.port_id = uint16_t(i == 0 ? pa : pb);
        pc.mbuf_count = 4095;  // RX pool: net_ring hands over the peer's TX mbufs, so this one only
                               // carries ARP and what the stack makes itself
        if (!dpdk::setup_port(pc, pair.port[i], &err)) die(err);
        dpdk::DpdkOptions o;
        o.port_id = pc.port_id;
        o.rx_pool = pair.port[i].pool;
        o.local_ips = ips[i];
        o.local_port = 5060;
        o.tx_mbufs = cfg.tx_mbufs;
        if (!(pair.t[i] = dpdk::open_dpdk(o, &err))) die(err);
    }
    // Resolve each other's MAC before the load starts (a ping each way), as a long run would have done
    // in its first milliseconds: otherwise the first thousand INVITEs overflow the queue that waits for
    // the ARP reply, and their retransmissions land in the measured windows.
    for (int i = 0; i < 2; ++i)
        pair.t[i]->stack().send_ping(pair.t[1 - i]->local_address(), 1, 1, rte_get_tsc_cycles());
    for (int round = 0; round < 1000; ++round)
        for (auto& t : pair.t) {
            t->poll(0);
            t->flush();
        }
    for (int i = 0; i < 2; ++i)
        if (pair.t[i]->stack().counters().neigh_resolved == 0)
            die("ARP between the two net_ring ports failed");
}

}  // namespace

int main(int argc, char** argv) {
    const Config cfg = parse_args(argc, argv);
    Programs progs;
    script::CompileError ce;
    for (auto [name, out] : {std::pair{"basic_call.lua", &progs.uac}, std::pair{"answer.lua", &progs.uas}})
        if (!script::compile_scenario(cfg.root + "/scenarios/" + name, {}, *out, ce))
            die(fmt::format("{}:{}: {}", ce.file, ce.line, ce.message));

    // EAL first even for --only kernel: it pins this thread to the main lcore, the one core both
    // engines then run on.
    DpdkPorts dp;
    open_dpdk_pair(cfg, dp);
    net::UdpOptions uo;
    std::string err;
    net::Address::parse("127.0.0.1:0", 0, uo.local);
    uo.gso = true;
    uo.gro = true;  // as `sipstorm run` and `serve` by default
    auto ka = net::open_udp(uo, &err), kb = ka ? net::open_udp(uo, &err) : nullptr;
    if (!ka || !kb) die(err);

    std::unique_ptr<Pair> dpdk_pair, kernel_pair;
    if (cfg.only != "kernel")
        dpdk_pair = std::make_unique<Pair>(cfg, progs, *dp.t[0], *dp.t[1], dp.t[1]->local_address());
    if (cfg.only != "dpdk") kernel_pair = std::make_unique<Pair>(cfg, progs, *ka, *kb, kb->local_address());
    // Rounds alternate between the engines so that a change in the machine's load (other processes,
    // frequency) hits both alike; the first round of each is a warm-up.
    const uint64_t window = uint64_t(cfg.seconds / cfg.rounds * 1e9);
    for (int r = -1; r < int(cfg.rounds); ++r)
        for (Pair* p : {dpdk_pair.get(), kernel_pair.get()})
            if (p) p->round(r < 0 ? kWarmupNs : window, r >= 0);

    Result d, k;
    if (dpdk_pair) print("dpdk", d = dpdk_pair->result(), cfg, stack_figures(*dp.t[0], *dp.t[1]));
    if (kernel_pair) print("kernel", k = kernel_pair->result(), cfg);
    if (dpdk_pair && kernel_pair)
        fmt::print(
            "ratio dpdk/kernel msgs_per_s={:.2f} msgs_per_cpu_s={:.2f} best_window_msgs_per_s={:.2f} "
            "calls_per_s={:.2f}\n",
            d.msgs_per_s() / k.msgs_per_s(), d.msgs_per_cpu_s() / k.msgs_per_cpu_s(),
            d.best_window_msgs_per_s / k.best_window_msgs_per_s, d.calls_per_s() / k.calls_per_s());
    dpdk_pair.reset();
    kernel_pair.reset();
    for (auto& t : dp.t) t.reset();
    for (auto& p : dp.port) dpdk::close_port(p.port_id);
    dpdk::eal_shutdown();
    return (d.failed || k.failed) ? 1 : 0;
}
