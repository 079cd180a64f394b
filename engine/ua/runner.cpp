#include "ua/runner.hpp"

#include <poll.h>
#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "net/pcap_writer.hpp"
#include "net/stream_transport.hpp"
#include "net/udp_transport.hpp"
#include "ua/stream_endpoint.hpp"
#ifdef SIPSTORM_HAVE_DPDK
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dpdk/dpdk_transport.hpp"
#include "dpdk/eal.hpp"
#endif
#include "runtime/clock.hpp"
#include "runtime/doorbell.hpp"
#include "runtime/idle_wait.hpp"
#include "script/scenario_state.hpp"

namespace sipstorm::ua {

struct Runner::Endpoint {
    const EndpointSpec* spec = nullptr;
    std::unique_ptr<net::TlsContext> tls;  // before the transport, which uses it
    std::unique_ptr<net::Transport> transport;
    net::StreamTransport* stream = nullptr;  // = transport, on TCP / TLS
    std::unique_ptr<stats::ShardStats> stats;
    std::unique_ptr<ShardRecorder> recorder;
    std::unique_ptr<script::ScenarioState> lua;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<net::PcapWriter> trace;
    std::string trace_path;
    std::unique_ptr<runtime::ArrivalSchedule> schedule;  // by_rate load
    bool capped = false;  // --concurrent: at most `cap` live calls on this shard (cap may be 0)
    uint64_t cap = 0;
    bool limited = false;  // --calls without --rate: at most `quota` calls from this shard (may be 0)
    uint64_t quota = 0;
    uint64_t started = 0;
    uint64_t last_start_ns = 0;  // read by the reporter only after join()
    bool done = false;           // a load endpoint that has started and finished all its calls
    uint64_t handoff_drops = 0;
    uint64_t due_ns = runtime::kNever;  // the earliest timer or call start, as of the last pass's end
#ifdef SIPSTORM_HAVE_DPDK
    dpdk::DpdkTransport* dpdk = nullptr;  // = transport, on the DPDK engine
    // The stack's counters as last published (dpdk::flatten order): the stack's own are plain
    // integers of the shard thread, these are what the reporter reads.
    std::unique_ptr<std::array<std::atomic<uint64_t>, dpdk::kStackCounterSlots>> stack_mirror;
#endif
    void publish(uint64_t now_ns);
};

void Runner::Endpoint::publish(uint64_t now_ns) {
#ifdef SIPSTORM_HAVE_DPDK
    if (dpdk) {
        std::array<uint64_t, dpdk::kStackCounterSlots> v;
        dpdk::flatten(dpdk->stack().counters(), v);
        for (size_t i = 0; i < v.size(); ++i) (*stack_mirror)[i].store(v[i], std::memory_order_relaxed);
    }
#endif
    stats->publish(now_ns);
}

struct Runner::Shard {
    std::vector<Endpoint> endpoints;
    std::atomic<bool> load_done{false};
    std::atomic<bool> starts_done{false};
    runtime::Doorbell bell;  // other threads wake the shard from its idle wait: handoffs, stop requests
};

namespace {

// Splits a whole-run amount over K shards: shard i gets its share of the remainder first.
uint64_t share(uint64_t total, unsigned shard, unsigned shards) {
    return total / shards + (shard < total % shards ? 1 : 0);
}

}  // namespace

#ifdef SIPSTORM_HAVE_DPDK
struct Runner::DpdkPort {
    dpdk::PortInfo info;
    dpdk::SharedNeighbors neighbors;
    ~DpdkPort() { dpdk::close_port(info.port_id); }
};
#else
struct Runner::DpdkPort {};
#endif

Runner::Runner(RunConfig config) : config_(std::move(config)) {}

Runner::~Runner() {
    abort();
    group_.request_stop();
    try {
        group_.join();
    } catch (...) {  // a shard's failure was reported by the caller's join() already
    }
    shards_.clear();  // the transports go before the port they use
    dpdk_.clear();
}

bool Runner::open(std::string* error) {
    start_ns_ = runtime::now_ns();
    if (!fit_shards_to_port(error)) return false;
    const unsigned k = config_.shards;
    for (unsigned i = 0; i < k; ++i) {
        auto sh = std::make_unique<Shard>();
        sh->endpoints.resize(config_.endpoints.size());
        shards_.push_back(std::move(sh));
    }
    for (size_t e = 0; e < config_.endpoints.size(); ++e) {
        EndpointSpec& spec = config_.endpoints[e];
        net::UdpOptions udp = spec.udp;
        // SO_REUSEPORT would let us share a port with another program silently; make sure it's free.
        if (udp.reuseport && udp.local.port != 0) {
            net::UdpOptions probe = udp;
            probe.reuseport = false;
            std::string err;
            if (spec.stream.kind != StreamSpec::Kind::kUdp ? !stream_port_free(spec, probe, &err)
                                                           : !net::open_udp(probe, &err)) {
                *error = spec.name + ": " + err;
                return false;
            }
        }
        if (spec.remote_from >= 0) spec.engine.remote = local_address(static_cast<size_t>(spec.remote_from));
        if (spec.dpdk.enabled && !open_dpdk_port(e, error)) return false;
        for (unsigned i = 0; i < k; ++i) {
            Endpoint& ep = shards_[i]->endpoints[e];
            ep.spec = &spec;
            std::string err;
            ep.transport = spec.dpdk.enabled ? open_dpdk_queue(e, i, &err)
                           : spec.stream.kind != StreamSpec::Kind::kUdp
                               ? open_stream_endpoint(spec, udp, i, ep.tls, &err)
                               : net::open_udp(udp, &err);
            if (!ep.transport) {
                *error = spec.name + ": " + err;
                return false;
            }
            if (spec.stream.kind != StreamSpec::Kind::kUdp && !spec.dpdk.enabled)
                ep.stream = static_cast<net::StreamTransport*>(ep.transport.get());
            // Shards after the first share the port the first one got (SO_REUSEPORT).
            if (i == 0 && udp.reuseport) udp.local = ep.transport->local_address();
#ifdef SIPSTORM_HAVE_DPDK
            if (spec.dpdk.enabled) {
                ep.dpdk = static_cast<dpdk::DpdkTransport*>(ep.transport.get());
                ep.stack_mirror =
                    std::make_unique<std::array<std::atomic<uint64_t>, dpdk::kStackCounterSlots>>();
            }
#endif
            ep.stats = std::make_unique<stats::ShardStats>(start_ns_, config_.interval_ns);
            ep.recorder = std::make_unique<ShardRecorder>(*ep.stats);
            if (spec.program->hook_count > 0) {
                ep.lua = std::make_unique<script::ScenarioState>();
                script::CompileError ce;
                if (!ep.lua->load(*spec.program, ce)) {
                    *error = ce.file + ":" + std::to_string(ce.line) + ": " + ce.message;
                    return false;
                }
            }
            EngineConfig ec = spec.engine;
            ec.stats = ep.stats.get();
            ec.shard = i;
            ec.shards = k;
            ec.slice = config_.node + config_.nodes * i;
            ec.slices = config_.nodes * k;
            ep.engine = std::make_unique<Engine>(ec, *spec.program, *ep.transport, *ep.recorder, ep.lua.get(),
                                                 start_ns_);
            if (!spec.pcap.empty()) {
                ep.trace_path = spec.pcap + ".shard" + std::to_string(i) + ".tmp";
                if (!(ep.trace = net::PcapWriter::open(ep.trace_path, error,
                                                       spec.stream.kind != StreamSpec::Kind::kUdp)))
                    return false;
                ep.engine->set_trace(ep.trace.get());
            }
            if (spec.generates_load) {
                const LoadPlan& load = spec.load;
                ep.capped = load.concurrent != 0;
                ep.cap = share(load.concurrent, i, k);
                if (!load.by_rate) {
                    ep.limited = load.max_calls != 0;
                    ep.quota = share(load.max_calls, i, k);
                }
            }
        }
    }
    if (k > 1)
        for (size_t n = 0; n < config_.endpoints.size() * k * k; ++n)
            rings_.push_back(std::make_unique<HandoffRing>(256));
    return true;
}

#ifdef SIPSTORM_HAVE_DPDK

// One RX/TX queue pair per shard: the port's limit caps the default shard count (one per core), and an
// explicit --shards above it is an error that says what the port has.
bool Runner::fit_shards_to_port(std::string* error) {
    for (const EndpointSpec& spec : config_.endpoints) {
        if (!spec.dpdk.enabled) continue;
        if (!dpdk::eal_init(spec.dpdk.eal_args, error)) return false;
        uint16_t most = 0;
        std::string driver;
        if (!dpdk::port_queue_limit(spec.dpdk.port, most, driver, error)) return false;
        if (most == 0 || config_.shards <= most) continue;
        const std::string has = "port " + std::to_string(spec.dpdk.port) + " (" + driver + ") has " +
                                std::to_string(most) +
                                (most == 1 ? " RX/TX queue pair" : " RX/TX queue pairs");
        if (config_.shards_follow_port) {
            config_.shards = most;
            shards_note_ = has;
            continue;
        }
        const std::string asked = std::to_string(config_.shards);
        *error = "dpdk: " + has + " and --shards " + asked + " needs one per shard: pass --shards " +
                 std::to_string(most) + " (or leave --shards out: the default follows the port)";
        if (driver == "net_af_packet")
            *error += ", or give the port " + asked + " with qpairs=" + asked +
                      " in its --vdev (net_af_packet0,iface=...,qpairs=" + asked + ")";
        return false;
    }
    return true;
}

bool Runner::open_dpdk_port(size_t endpoint, std::string* error) {
    const EndpointSpec& spec = config_.endpoints[endpoint];
    if (!dpdk::eal_init(spec.dpdk.eal_args, error)) return false;
    dpdk_.resize(config_.endpoints.size());
    for (size_t e = 0; e < endpoint; ++e)
        if (dpdk_[e] && dpdk_[e]->info.port_id == spec.dpdk.port) {
            // One transport per queue delivers only its own UDP port: two endpoints cannot share one.
            *error = "dpdk: " + spec.name + " and " + config_.endpoints[e].name + " both on port " +
                     std::to_string(spec.dpdk.port) + ": each needs a port of its own";
            return false;
        }
    dpdk_[endpoint] = std::make_unique<DpdkPort>();
    DpdkPort& port = *dpdk_[endpoint];
    dpdk::PortConfig pc;
    pc.port_id = spec.dpdk.port;
    pc.queues = static_cast<uint16_t>(config_.shards);
    pc.mbuf_count = spec.dpdk.mbufs ? spec.dpdk.mbufs : dpdk::rx_pool_size(pc, spec.udp.batch);
    pc.mbuf_data_room = 16384 + 128;          // net_af_packet hands over frames up to its framesz
    pc.promiscuous = !spec.dpdk.mac.empty();  // frames to a MAC other than the port's must get in
    if (!dpdk::setup_port(pc, port.info, error)) return false;
    return true;
}

std::unique_ptr<net::Transport> Runner::open_dpdk_queue(size_t endpoint, unsigned shard, std::string* error) {
    const EndpointSpec& spec = config_.endpoints[endpoint];
    DpdkPort& port = *dpdk_[endpoint];
    dpdk::DpdkOptions o;
    o.port_id = spec.dpdk.port;
    o.queue_id = static_cast<uint16_t>(shard);
    o.rx_pool = port.info.pool;
    o.local_ips = spec.dpdk.local_ips;
    // One port for all shards: a NIC without RSS (or a different hash) may deliver a shard's datagram
    // to another queue, whose shard then hands it over by its Call-ID or tag.
    o.local_port = spec.udp.local.port ? spec.udp.local.port : 5060;
    o.gateway = spec.dpdk.gateway;
    o.prefix = spec.dpdk.prefix;
    if (!spec.dpdk.mac.empty() && !dpdk::Mac::parse(spec.dpdk.mac, o.local_mac)) {
        *error = "bad MAC address '" + spec.dpdk.mac + "'";
        return nullptr;
    }
    o.neighbors = &port.neighbors;
    return dpdk::open_dpdk(o, error);
}
#else
bool Runner::fit_shards_to_port(std::string*) {
    return true;  // open_dpdk_port says this build has no DPDK
}
bool Runner::open_dpdk_port(size_t, std::string* error) {
    *error = "this sipstorm was built without DPDK (-DSIPSTORM_DPDK=OFF)";
    return false;
}
std::unique_ptr<net::Transport> Runner::open_dpdk_queue(size_t, unsigned, std::string*) {
    return nullptr;
}
#endif

void Runner::start() {
    // The schedule starts shortly after now, not when the sockets were opened, so neither set-up nor
    // the threads' own start counts as lag.
    start_ns_ = runtime::now_ns() + 20'000'000;
    for (unsigned i = 0; i < config_.shards; ++i)
        for (Endpoint& ep : shards_[i]->endpoints) {
            ep.stats->restart(start_ns_);  // every shard's seconds are the reporter's seconds
            if (!ep.spec->generates_load || !ep.spec->load.by_rate) continue;
            runtime::ArrivalConfig ac = ep.spec->load.arrival;
            ac.shard = config_.node + config_.nodes * i;
            ac.shards = config_.nodes * config_.shards;
            ep.schedule = std::make_unique<runtime::ArrivalSchedule>(ac, start_ns_);
        }
    group_.start(config_.shards, [this](unsigned shard) { shard_main(shard); });
}

void Runner::join() {
    group_.join();
}

bool Runner::finish_traces(std::string* error) {
    for (size_t e = 0; e < config_.endpoints.size(); ++e) {
        if (config_.endpoints[e].pcap.empty()) continue;
        std::vector<std::string> parts;
        for (auto& sh : shards_) {
            Endpoint& ep = sh->endpoints[e];
            ep.trace->close();
            parts.push_back(ep.trace_path);
        }
        bool ok = net::merge_pcap_files(parts, config_.endpoints[e].pcap, error);
        for (const std::string& p : parts) std::remove(p.c_str());
        if (!ok) return false;
    }
    return true;
}

void Runner::stop_starting() {
    stop_starting_.store(true, std::memory_order_relaxed);
    for (auto& sh : shards_) sh->bell.ring();
}

void Runner::abort() {
    abort_.store(true, std::memory_order_relaxed);
    for (auto& sh : shards_) sh->bell.ring();
}

bool Runner::starts_done() const {
    for (const auto& sh : shards_)
        if (!sh->starts_done.load(std::memory_order_acquire)) return false;
    return true;
}

bool Runner::load_done() const {
    for (const auto& sh : shards_)
        if (!sh->load_done.load(std::memory_order_acquire)) return false;
    return true;
}

stats::ShardStats& Runner::stats(size_t endpoint, unsigned shard) {
    return *shards_[shard]->endpoints[endpoint].stats;
}

const FailureTable& Runner::failures(size_t endpoint, unsigned shard) {
    return shards_[shard]->endpoints[endpoint].recorder->failures();
}

uint64_t Runner::last_call_start_ns(size_t endpoint) const {
    uint64_t last = 0;
    for (const auto& sh : shards_) last = std::max(last, sh->endpoints[endpoint].last_start_ns);
    return last;
}

net::Address Runner::local_address(size_t endpoint) const {
    return shards_[0]->endpoints[endpoint].transport->local_address();
}

std::string Runner::tls_summary(size_t endpoint) const {
    for (const auto& sh : shards_)
        if (const net::StreamTransport* s = sh->endpoints[endpoint].stream)
            if (std::string t = ua::tls_summary(*s); !t.empty()) return t;
    return {};
}

std::vector<StackCount> Runner::stack_counters(size_t endpoint) const {
    std::vector<StackCount> out;
#ifdef SIPSTORM_HAVE_DPDK
    if (!config_.endpoints[endpoint].dpdk.enabled || shards_.empty()) return out;
    for (size_t i = 0; i < dpdk::kStackCounterSlots; ++i) {
        StackCount c;
        c.drop = i >= dpdk::kStackScalarCounters;
        c.name = c.drop ? dpdk::drop_name(static_cast<dpdk::Drop>(i - dpdk::kStackScalarCounters))
                        : dpdk::kStackCounterNames[i];
        for (const auto& sh : shards_)
            if (const auto& m = sh->endpoints[endpoint].stack_mirror)
                c.value += (*m)[i].load(std::memory_order_relaxed);
        out.push_back(c);
    }
    // The port's own: frames the NIC dropped (no free RX descriptor, bad frames) and RX mbuf
    // shortage. Reading them while the shards poll is what DPDK's own tools do.
    rte_eth_stats ps{};
    if (endpoint < dpdk_.size() && dpdk_[endpoint] &&
        rte_eth_stats_get(dpdk_[endpoint]->info.port_id, &ps) == 0) {
        out.push_back({"port_imissed", ps.imissed, false});
        out.push_back({"port_ierrors", ps.ierrors, false});
        out.push_back({"port_oerrors", ps.oerrors, false});
        out.push_back({"port_rx_nombuf", ps.rx_nombuf, false});
    }
#else
    (void)endpoint;
#endif
    return out;
}

std::vector<StackWarning> Runner::stack_warnings(size_t endpoint) const {
    return ua::stack_warnings(stack_counters(endpoint), config_.endpoints[endpoint].dpdk.eal_args);
}

void Runner::shard_main(unsigned index) {
    Shard& sh = *shards_[index];
#ifdef SIPSTORM_HAVE_DPDK
    // An lcore id gives this thread the TX mbuf pools' per-lcore cache (LIFO, so messages go into
    // buffers still in the CPU cache); without one every mbuf comes from the shared ring, cold. A
    // failure (no free lcore id) only costs that speed.
    const bool registered = !dpdk_.empty() && rte_thread_register() == 0;
#endif
    // The wait set: every endpoint's socket, then the doorbell. A transport without a descriptor
    // (DPDK) is polled, never waited on; so is everything with --busy-poll.
    std::vector<pollfd> fds;
    bool must_poll = config_.busy_poll || sh.bell.fd() < 0;
    for (Endpoint& ep : sh.endpoints) {
        fds.push_back({ep.transport->wait_fd(), POLLIN, 0});
        if (ep.engine->media_wait_fd() >= 0) fds.push_back({ep.engine->media_wait_fd(), POLLIN, 0});
        must_poll = must_poll || ep.transport->wait_fd() < 0;
    }
    fds.push_back({sh.bell.fd(), POLLIN, 0});
    // The kernel's default timer slack (50 µs) would make every timed wake that much late.
    if (!must_poll) prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    std::vector<uint8_t> handed_to(config_.shards, 0);  // shards this pass handed a datagram to
    runtime::WakeLatency wake_latency;
    uint64_t due[64];
    uint64_t last = runtime::now_ns();

    for (;;) {
        const uint64_t now = runtime::now_ns();
        const bool aborting = abort_.load(std::memory_order_relaxed);
        const bool stopping = aborting || stop_starting_.load(std::memory_order_relaxed);
        bool work = false;
        bool all_done = true;
        bool all_started_here = true;
        bool any_load = false;

        for (Endpoint& ep : sh.endpoints) {
            Engine& engine = *ep.engine;
            stats::ShardCounters& c = ep.stats->counters();
            if (ep.due_ns <= now)
                ep.stats->hist().timer_late_us.record_ns(runtime::lateness_ns(ep.due_ns, now));
            if (ep.spec->generates_load) {
                any_load = true;
                // Start the calls that are due, bounded per pass so that replies keep flowing.
                if (!stopping && !ep.done) {
                    uint64_t room =
                        ep.capped ? (ep.cap > engine.live_calls() ? ep.cap - engine.live_calls() : 0) : 256;
                    room = std::min<uint64_t>(room, 256);
                    if (ep.schedule) {
                        while (room > 0) {
                            size_t n = ep.schedule->next_due(
                                now, std::span<uint64_t>(due, std::min<uint64_t>(room, 64)));
                            if (n == 0) break;
                            work = true;
                            size_t k = 0;
                            while (k < n && engine.start_call(due[k], now)) ++k;
                            if (k) ep.last_start_ns = now;
                            room -= n;
                            if (k < n) {
                                // The call table is full: these calls are due and can't start. They count
                                // as attempted and failed, so the shortfall is never silent.
                                for (size_t j = k; j < n; ++j) {
                                    ep.recorder->call_started(due[j], now);
                                    ep.recorder->call_failed(FailReason::kOther,
                                                             "call table full (raise --call-slots)", 0);
                                }
                                break;
                            }
                        }
                        c.lag_ns.set(ep.schedule->lag_ns(now));
                        c.lag_max_ns.raise_to(ep.schedule->max_lag_ns());
                        c.lag_max_interval_ns.raise_to(ep.schedule->lag_ns(now));
                    } else {
                        const bool time_left =
                            ep.spec->load.duration_ns == 0 || now < start_ns_ + ep.spec->load.duration_ns;
                        while (room > 0 && time_left && (!ep.limited || ep.started < ep.quota) &&
                               engine.start_call(now, now)) {
                            ++ep.started;
                            ep.last_start_ns = now;
                            --room;
                            work = true;
                        }
                    }
                }
                const bool all_started =
                    stopping || (ep.schedule ? ep.schedule->finished()
                                             : (ep.limited && ep.started >= ep.quota) ||
                                                   (ep.spec->load.duration_ns &&
                                                    now >= start_ns_ + ep.spec->load.duration_ns));
                ep.done = all_started && engine.live_calls() == 0;
                all_started_here = all_started_here && all_started;
                all_done = all_done && ep.done;
            }
            // Receive in a few rounds per pass, so timers and starts are never starved.
            const size_t e = static_cast<size_t>(&ep - sh.endpoints.data());
            for (int round = 0; round < 8; ++round) {
                auto packets = ep.transport->poll(0);
                if (packets.empty()) break;
                work = true;
                const bool drained =  // don't pay for an empty recvmmsg
                    packets.size() < ep.spec->udp.batch && !ep.transport->rx_pending();
                for (const net::RxPacket& p : packets) {
                    int owner = engine.on_packet(p, now);
                    if (owner < 0) continue;
                    Handoff h;
                    if (p.len > sizeof(h.data)) {
                        ++ep.handoff_drops;
                        continue;
                    }
                    h.len = p.len;
                    h.from = p.from;
                    std::memcpy(h.data, p.data, p.len);
                    if (ring(e, index, static_cast<unsigned>(owner)).try_push(std::move(h)))
                        handed_to[static_cast<unsigned>(owner)] = 1;
                    else
                        ++ep.handoff_drops;
                }
                if (drained) break;
            }
            for (unsigned to = 0; to < handed_to.size(); ++to)
                if (handed_to[to]) {
                    handed_to[to] = 0;
                    shards_[to]->bell.ring_if_sleeping();
                }
            for (unsigned from = 0; rings_.size() && from < config_.shards; ++from) {
                if (from == index) continue;
                Handoff h;
                while (ring(e, from, index).try_pop(h)) {
                    work = true;
                    engine.on_packet(net::RxPacket{h.data, h.len, h.from}, now, false);
                }
            }
            engine.advance(now);
            work = engine.poll_media(now) || work;
            ep.transport->flush();
            const net::TransportStats& ts = ep.transport->stats();
            c.rx_drops.set(ts.rx_drops_kernel + ep.handoff_drops);
            c.tx_errors.set(ts.tx_errors);
            c.bytes_in.set(ts.rx_bytes);
            c.bytes_out.set(ts.tx_bytes);
            if (ep.stream) publish_stream_stats(*ep.stream, *ep.stats);
            c.timers_armed.set(engine.timers_armed());
            c.call_slots_touched.set(engine.call_slots_touched());
            ep.due_ns = next_due_ns(ep, stopping);
        }
        if (any_load && all_done) sh.load_done.store(true, std::memory_order_release);
        if (any_load && all_started_here) sh.starts_done.store(true, std::memory_order_release);

        if (aborting) {
            for (Endpoint& ep : sh.endpoints) {
                ep.engine->abort_all(now);
                ep.transport->flush();
                ep.publish(runtime::now_ns());
            }
#ifdef SIPSTORM_HAVE_DPDK
            if (registered) rte_thread_unregister();
#endif
            return;
        }

        const uint64_t end = runtime::now_ns();
        for (Endpoint& ep : sh.endpoints) {
            stats::ShardCounters& c = ep.stats->counters();
            c.loop_ns.add(end - last);
            if (work) c.busy_ns.add(end - now);
            if (ep.stats->publish_due(end)) ep.publish(end);
        }
        last = end;

        if (!work && !must_poll) {
            // Sleep in the kernel until a datagram arrives, another thread rings, or the earliest
            // deadline of this shard (timer, scheduled call, statistics) is due, less the wake-up
            // latency (idle_wait.hpp); within that, poll. The 100 ms bound only covers
            // ShardStats::request_publish(), which rings no bell.
            runtime::WakeTime wake(end, 100'000'000);
            for (Endpoint& ep : sh.endpoints) {
                wake.due_at(ep.due_ns);
                wake.due_at(ep.stats->next_publish_ns());
            }
            const uint64_t early = wake_latency.early_ns();
            if (!wake.due_now(early)) {
                sh.bell.begin_sleep();
                bool handoff_waiting = false;
                for (size_t e = 0; rings_.size() && e < sh.endpoints.size(); ++e)
                    for (unsigned from = 0; from < config_.shards; ++from)
                        handoff_waiting = handoff_waiting || (from != index && !ring(e, from, index).empty());
                if (!handoff_waiting) {
                    const timespec ts = wake.timeout(early);
                    const int ready = ppoll(fds.data(), fds.size(), &ts, nullptr);
                    if (ready == 0) wake_latency.observe(wake.at() - early, runtime::now_ns());
                    if (ready > 0 && fds.back().revents) sh.bell.clear();
                }
                sh.bell.end_sleep();
            }
        }
    }
}

uint64_t Runner::next_due_ns(Endpoint& ep, bool stopping) {
    uint64_t due = ep.engine->next_deadline_ns();
    // A call start counts when the shard may start one: not after a stop, nor while the --concurrent
    // cap is full (then the end of a call, a datagram or a timer, is what comes first).
    if (ep.schedule && !stopping && !ep.done && (!ep.capped || ep.engine->live_calls() < ep.cap))
        due = std::min(due, ep.schedule->peek_ns());
    return due;
}

}  // namespace sipstorm::ua
