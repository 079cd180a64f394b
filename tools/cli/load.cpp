#include "load.hpp"
#include "sippxml/compiler.hpp"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <thread>

#include "data/injection_set.hpp"
#include "data_dir.hpp"
#include "metrics_http.hpp"
#include "net/resolve.hpp"
#include "report/prometheus.hpp"
#include "runtime/clock.hpp"
#include "runtime/signals.hpp"
#include "script/duration.hpp"
#include "script/scenario_compiler.hpp"
#include "sip/method.hpp"
#include "stats/result.hpp"
#include "stats/series.hpp"
#include "stats/series_fold.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::cli {

void add_common_options(po::options_description& d, CommonOptions& o) {
    d.add_options()(
        "shards", po::value(&o.shards),
        "shards (pinned threads); default: one per core (--engine dpdk: at most the port's queue pairs)")(
        "set", po::value(&o.set)->composing(), "scenario parameter NAME=VALUE (repeatable)")(
        "calls", po::value(&o.calls), "stop after this many calls")(
        "duration", po::value(&o.duration), "stop after this time, e.g. 30s, 5m, 500ms")(
        "loss", po::value(&o.loss), "drop this percentage of datagrams, both ways (fault injection)")(
        "t1", po::value(&o.t1_ms), "RFC 3261 T1 in ms (retransmission base), default 500")(
        "t2", po::value(&o.t2_ms), "RFC 3261 T2 in ms, default 4000")("t4", po::value(&o.t4_ms),
                                                                      "RFC 3261 T4 in ms, default 5000")(
        "call-slots", po::value(&o.call_slots),
        "call table size per shard (most live calls), default 262144")(
        "busy-poll", po::bool_switch(&o.busy_poll),
        "spin when idle instead of sleeping (lowest latency, "
        "uses the whole core)")("no-gso", po::bool_switch(&o.no_gso),
                                "send every datagram on its own (no UDP GSO batches)")(
        "no-gro", po::bool_switch(&o.no_gro), "receive without UDP GRO")(
        "engine", po::value(&o.engine), "packet engine: kernel (sockets, default) or dpdk")(
        "dpdk-args", po::value(&o.dpdk.eal_args),
        "DPDK EAL arguments, e.g. \"-l 0-1 -a 0000:3b:00.0\" or "
        "\"--no-huge --no-pci -m 1024 --vdev=net_af_packet0,iface=eth1\"")(
        "dpdk-port", po::value(&o.dpdk.port), "DPDK port id (default 0)")(
        "dpdk-ip", po::value(&o.dpdk.local_ips),
        "our address(es) on the DPDK port: 10.0.0.10 or a range "
        "10.0.0.10-10.0.0.50, IPv6 after a comma")("dpdk-gateway", po::value(&o.dpdk.gateway),
                                                   "IPv4 next hop for targets off the local subnet")(
        "dpdk-mac", po::value(&o.dpdk.mac),
        "our MAC on the DPDK port, e.g. 02:00:00:00:00:01 (default: the port's; another one puts the "
        "port in promiscuous mode)")("local-mac", po::value(&o.dpdk.mac), "the same as --dpdk-mac")(
        "dpdk-prefix", po::value(&o.dpdk_prefix), "prefix length of the local subnet (default 24)")(
        "dpdk-mbufs", po::value(&o.dpdk.mbufs),
        "receive mbufs for the port (default: enough for every shard's queue, at least 8191)")(
        "drain", po::value(&o.drain),
        "after the last call started or Ctrl-C, how long live calls may take "
        "before they count as aborted (default: the scenario's pauses + 64*T1)")(
        "out", po::value(&o.out), "write the result file (JSON) here")(
        "pcap", po::value(&o.pcap),
        "write every SIP message sent and received here (pcap, for tshark/Wireshark)")(
        "inf", po::value(&o.inf)->composing(),
        "SIPp injection file (CSV: first line SEQUENTIAL, RANDOM or USER, fields separated by ';'); "
        "repeatable; fields are ${field0}.. of the first file, ${stem.field0} or ${stem.NAME} of any")(
        "inf-names", po::value(&o.inf_names)->composing(),
        "names for a file's fields, e.g. users=user,password (or user,password for the first file)")(
        "auth", po::value(&o.auth), "digest credentials USER:PASSWORD (overrides the scenario's auth)")(
        "rtp-ports", po::value(&o.rtp_ports),
        "LO-HI: the UDP ports of RTP streams (each call takes an even port and the next for RTCP), "
        "default 10000-59999")(
        "media-timeout", po::value(&o.media_timeout),
        "fail a call whose stream received no RTP for this long (default 5s; 0: never)")(
        "prefer", po::value(&o.prefer),
        "ipv4 (default) or ipv6: which address to take when a host name has both")(
        "quiet,q", po::bool_switch(&o.quiet), "no live line, only the summary")(
        "rtp-echo", po::bool_switch(&o.rtp_echo),
        "a SIPp XML scenario's calls echo the RTP that reaches their media port, from their first message "
        "on (SIPp's -rtp_echo; in Lua write { rtp = { echo = true } })")(
        "bye-on-abort", po::bool_switch(&o.bye_on_abort),
        "a UAC call that fails after its INVITE went out sends a CANCEL (no final response yet) or a BYE "
        "(its dialog is up), so the target does not keep it (SIPp's default behaviour 'bye'); an "
        "unexpected BYE from the peer is answered 200 instead")(
        "auto-answer", po::bool_switch(&o.auto_answer),
        "answer an INFO, NOTIFY, OPTIONS or UPDATE inside a call that no step expects with 200 OK, and "
        "go on (SIPp's -aa); without it such a request fails the call as unexpected")(
        "metrics", po::value(&o.metrics),
        "serve live figures at http://HOST:PORT/metrics in the Prometheus text format; PORT alone listens "
        "on loopback (another address is reachable from other machines)")(
        "metrics-linger", po::value(&o.metrics_linger),
        "after the run, keep /metrics up with the final figures until it is scraped once more, at most "
        "this long (e.g. 15s; default 0: exit at once)")("help,h", "this help");
    add_output_options(d, o.outputs);
}

namespace {

// --dpdk-mac: six hex octets separated by ':' or '-', usable as a source address (unicast, not zero).
// Checked here, before EAL starts, so a typo costs a usage error rather than a port set-up.
void check_mac(const std::string& text) {
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    bool ok = text.size() == 17;
    for (size_t i = 0; ok && i < text.size(); ++i)
        ok = i % 3 == 2 ? (text[i] == ':' || text[i] == '-') && text[i] == text[2] : hex(text[i]);
    if (!ok)
        throw UsageError("--dpdk-mac: '" + text +
                         "' is not a MAC address (six hex octets: 02:00:00:00:00:01)");
    const unsigned first = static_cast<unsigned>(std::stoul(text.substr(0, 2), nullptr, 16));
    if (first & 1)
        throw UsageError("--dpdk-mac: '" + text + "' is a multicast address; a source MAC must be unicast");
    if (text.find_first_not_of("0:-") == std::string::npos)
        throw UsageError("--dpdk-mac: '" + text + "' is all zeros");
}

}  // namespace

void check_engine_options(CommonOptions& o) {
    if (o.engine == "kernel") {
        if (!o.dpdk.eal_args.empty() || !o.dpdk.local_ips.empty() || !o.dpdk.mac.empty())
            throw UsageError("--dpdk-* options need --engine dpdk");
        return;
    }
    if (o.engine != "dpdk") throw UsageError("--engine must be kernel or dpdk, got '" + o.engine + "'");
    if (o.dpdk.local_ips.empty()) throw UsageError("--engine dpdk needs --dpdk-ip (our address on the port)");
    if (o.dpdk_prefix < 1 || o.dpdk_prefix > 32) throw UsageError("--dpdk-prefix must be 1..32");
    o.dpdk.prefix = static_cast<uint8_t>(o.dpdk_prefix);
    if (!o.dpdk.mac.empty()) check_mac(o.dpdk.mac);
    o.dpdk.enabled = true;
}

bool parse_command_line(const Args& args, const po::options_description& d, const char* usage,
                        std::string& scenario, po::variables_map& vm) {
    po::options_description all;
    all.add(d);
    all.add_options()("scenario", po::value(&scenario));
    po::positional_options_description pos;
    pos.add("scenario", 1);
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        if (vm.count("help")) {
            fmt::print("{}\n", usage);
            std::ostringstream os;
            os << d;
            fmt::print("{}", os.str());
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (scenario.empty()) throw UsageError("a scenario file is required (see --help)");
    scenario = resolve_scenario(scenario);  // a bare name: the ready scenarios
    return true;
}

std::map<std::string, std::string> parse_set(const std::vector<std::string>& set) {
    std::map<std::string, std::string> out;
    for (const std::string& s : set) {
        size_t eq = s.find('=');
        if (eq == 0 || eq == std::string::npos) throw UsageError("--set expects NAME=VALUE, got '" + s + "'");
        out[s.substr(0, eq)] = s.substr(eq + 1);
    }
    return out;
}

uint64_t parse_duration_ns(const std::string& text, const char* option) {
    double ms = 0;
    std::string err;
    // A bare number on the command line means seconds, as in SIPp; in scenarios it means ms.
    bool bare = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
    if (!script::parse_duration(bare ? text + "s" : text, {}, ms, err))
        throw UsageError(fmt::format("--{}: {}", option, err));
    return static_cast<uint64_t>(ms * 1e6);
}

unsigned default_shards() {
    unsigned n = std::thread::hardware_concurrency();
    return n ? n : 1;
}

std::string shards_text(const ua::Runner& runner) {
    const std::string& note = runner.shards_note();
    return fmt::format("{} shard(s){}", runner.shards(), note.empty() ? "" : ": " + note);
}

void apply_media_options(const CommonOptions& o, ua::EndpointSpec& spec, int half) {
    unsigned lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(o.rtp_ports);
    if (!(in >> lo >> dash >> hi) || dash != '-' || !in.eof() || lo < 1024 || hi > 65535 || hi < lo + 3)
        throw UsageError(
            "--rtp-ports must be LO-HI with 1024 <= LO, HI <= 65535 and room for two pairs, got '" +
            o.rtp_ports + "'");
    if (half >= 0) {
        const unsigned mid = lo + (hi - lo) / 2;
        (half == 0 ? hi : lo) = half == 0 ? mid - 1 : mid;
    }
    spec.engine.media.port_lo = static_cast<uint16_t>(lo);
    spec.engine.media.port_hi = static_cast<uint16_t>(hi);
    spec.engine.media.media_timeout_ns = parse_duration_ns(o.media_timeout, "media-timeout");
    spec.engine.media.loss_percent = o.loss;
}

net::FamilyPreference family_preference(const CommonOptions& o) {
    if (o.prefer == "ipv4") return net::FamilyPreference::kIPv4;
    if (o.prefer == "ipv6") return net::FamilyPreference::kIPv6;
    throw UsageError("--prefer must be ipv4 or ipv6, got '" + o.prefer + "'");
}

net::Address parse_address(const std::string& text, uint16_t default_port, const char* option,
                           net::FamilyPreference prefer) {
    net::Address a;
    std::string error;
    if (!net::resolve(text, default_port, prefer, a, error))
        throw UsageError(
            fmt::format("--{}: {} (expected HOST:PORT, a name or a numeric address, e.g. "
                        "pbx.example.com:5060, 127.0.0.1:5060, [::1]:5060)",
                        option, error));
    return a;
}

net::Address local_address_for(const net::Address& target) {
    net::Address local;
    local.family = target.family;
    int fd = socket(target.family, SOCK_DGRAM, 0);
    if (fd < 0) return local;
    sockaddr_storage ss;
    socklen_t len = target.to_sockaddr(ss);
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
        sockaddr_storage me;
        socklen_t mlen = sizeof(me);
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&me), &mlen) == 0)
            local = net::Address::from_sockaddr(reinterpret_cast<sockaddr*>(&me));
    }
    close(fd);
    local.port = 0;
    return local;
}

namespace {

std::shared_ptr<data::InjectionSet> load_injection(const CommonOptions& o) {
    if (o.inf.empty()) {
        if (!o.inf_names.empty()) throw UsageError("--inf-names needs --inf");
        return nullptr;
    }
    auto set = std::make_shared<data::InjectionSet>();
    std::string error;
    for (const std::string& f : o.inf)
        if (!set->add(f, error)) throw UsageError("--inf " + error);
    for (const std::string& spec : o.inf_names) {
        size_t eq = spec.find('=');
        std::string key = eq == std::string::npos ? "0" : spec.substr(0, eq);
        std::string list = eq == std::string::npos ? spec : spec.substr(eq + 1);
        int file = set->find(key, error);
        if (file < 0) throw UsageError("--inf-names " + spec + ": " + error);
        std::vector<std::string> names;
        for (size_t pos = 0; pos <= list.size();) {
            size_t comma = list.find(',', pos);
            if (comma == std::string::npos) comma = list.size();
            names.push_back(list.substr(pos, comma - pos));
            pos = comma + 1;
        }
        if (!set->file(static_cast<size_t>(file)).set_names(std::move(names), error))
            throw UsageError("--inf-names " + spec + ": " + error);
    }
    return set;
}

}  // namespace

std::unique_ptr<ua::Program> load_scenario(const std::string& path,
                                           const std::map<std::string, std::string>& params,
                                           const CommonOptions* common) {
    if (access(path.c_str(), R_OK) != 0) throw UsageError(fmt::format("cannot read scenario '{}'", path));
    auto program = std::make_unique<ua::Program>();
    script::CompileError err;
    script::CompileOptions options;
    options.lua_dir = lua_dirs_for(path);
    if (common) {
        options.injection = load_injection(*common);
        if (!common->auth.empty()) {
            size_t colon = common->auth.find(':');
            if (colon == 0 || colon == std::string::npos)
                throw UsageError("--auth expects USER:PASSWORD, got '" + common->auth + "'");
            options.has_auth = true;
            options.auth_user = common->auth.substr(0, colon);
            options.auth_password = common->auth.substr(colon + 1);
        }
        options.rtp_echo = common->rtp_echo;
        if (common->rtp_echo && !sippxml::is_xml_scenario(path))
            throw UsageError(
                "--rtp-echo applies to SIPp XML scenarios; a Lua scenario says { rtp = { echo = true } }");
    }
    const bool ok = sippxml::is_xml_scenario(path)
                        ? sippxml::compile_sipp_xml(path, params, options, *program, err)
                        : script::compile_scenario(path, params, options, *program, err);
    if (!ok) {
        if (err.line > 0) throw UsageError(fmt::format("{}:{}: {}", err.file, err.line, err.message));
        throw UsageError(fmt::format("{}: {}", err.file.empty() ? path : err.file, err.message));
    }
    return program;
}

std::string command_line_of(const char* command, const Args& args) {
    std::string s = std::string("sipstorm ") + command;
    for (const std::string& a : args) s += " " + a;
    return s;
}

uint64_t drain_ns_for(const CommonOptions& o, const ua::Program& program) {
    if (!o.drain.empty()) return parse_duration_ns(o.drain, "drain");
    double ms = 64.0 * o.t1_ms + 1000;
    for (const ua::Step& s : program.steps) {
        if (s.kind != ua::StepKind::kPause) continue;
        const ua::PauseSpec& p = s.pause;
        switch (p.dist) {
            case ua::Distribution::kFixed:
                ms += p.a_ms;
                break;
            case ua::Distribution::kUniform:
                ms += p.b_ms;
                break;
            default:
                ms += p.a_ms + 4 * std::max(p.a_ms, p.b_ms);
                break;  // the far tail is cut off
        }
    }
    return static_cast<uint64_t>(ms * 1e6);
}

namespace {

struct Totals {
    std::unique_ptr<stats::Snapshot> total;
    std::vector<stats::Snapshot> shards;  // copies: latest() references change on the next call
};

// Reads every shard's newest snapshot into the series (cheap when none is new).
void observe(ua::Runner& runner, size_t endpoint, stats::SeriesBuilder& series) {
    for (unsigned i = 0; i < runner.shards(); ++i) series.observe(i, runner.stats(endpoint, i).latest());
}

// The run's totals as of the newest snapshots observed.
Totals collect(const stats::SeriesBuilder& series, unsigned shards) {
    Totals t;
    t.shards.reserve(shards);
    for (unsigned i = 0; i < shards; ++i) t.shards.push_back(series.latest(i));
    std::vector<const stats::Snapshot*> parts;
    for (const auto& s : t.shards) parts.push_back(&s);
    t.total = stats::merge(parts);
    return t;
}

// The /metrics text from the newest snapshots the reporter has read.
std::string metrics_text(const report::PrometheusInfo& info, const stats::SeriesBuilder& series,
                         unsigned shards, double elapsed_s) {
    Totals t = collect(series, shards);
    std::vector<const stats::Snapshot*> parts;
    for (const auto& s : t.shards) parts.push_back(&s);
    return report::prometheus_text(info, *t.total, parts, elapsed_s);
}

std::unique_ptr<MetricsHttp> open_metrics(const ReportOptions& opt, report::PrometheusInfo& info,
                                          uint64_t started_unix_ms) {
    if (opt.metrics.empty()) return nullptr;
    bool loopback = true;
    const net::Address addr = parse_metrics_address(opt.metrics, loopback);
    std::string error;
    auto server = MetricsHttp::open(addr, error);
    if (!server) throw UsageError(error);
    info.version = SIPSTORM_VERSION;
    info.command = opt.command;
    info.scenario = opt.scenario;
    if (opt.shard_of) {
        info.shard_index = opt.shard_of->first;
        info.shard_total = opt.shard_of->second;
    }
    info.target_cps = opt.target_cps;
    info.started_unix_ms = started_unix_ms;
    for (size_t i = 1; i < static_cast<size_t>(sip::Method::kCount); ++i)
        info.method_names[i] = std::string(sip::method_text(static_cast<sip::Method>(i)));
    fmt::print("metrics at http://{}/metrics{}\n", server->local_address().to_string(),
               loopback ? "" : " (not loopback: reachable from other machines)");
    return server;
}

double ms_of_us(uint64_t us) {
    return static_cast<double>(us) / 1000.0;
}

std::string progress_of(const stats::Counts& c, const ReportOptions& opt, uint64_t elapsed_ns) {
    if (opt.calls_goal)
        return fmt::format(
            "{:3.0f}%", 100.0 * static_cast<double>(c.calls_attempted) / static_cast<double>(opt.calls_goal));
    if (opt.duration_goal_ns)
        return fmt::format("{:3.0f}%", std::min(100.0, 100.0 * static_cast<double>(elapsed_ns) /
                                                           static_cast<double>(opt.duration_goal_ns)));
    return {};
}

// The DPDK stack's figures for the live view (empty on the kernel engine): packets in and out, ARP
// exchanged, drops (the largest reason named) and mbuf shortage, totals since the start.
std::string stack_summary(const std::vector<ua::StackCount>& counts) {
    if (counts.empty()) return {};
    uint64_t rx = 0, tx = 0, arp = 0, drops = 0, top = 0, nombuf = 0;
    const char* top_name = "";
    for (const ua::StackCount& c : counts) {
        const std::string_view n = c.name;
        if (c.drop || n == "port_imissed") {
            drops += c.value;
            if (c.value > top) {
                top = c.value;
                top_name = c.name;
            }
        } else if (n == "rx_packets") {
            rx = c.value;
        } else if (n == "tx_packets") {
            tx = c.value;
        } else if (n.starts_with("arp_")) {
            arp += c.value;
        } else if (n == "mbuf_alloc_failed" || n == "port_rx_nombuf") {
            nombuf += c.value;
        }
    }
    return fmt::format("dpdk pkts in {} out {} arp {} drops {}{} mbuf-short {}", rx, tx, arp, drops,
                       top ? fmt::format(" ({} {})", top_name, top) : std::string(), nombuf);
}

uint64_t conn_failures(const stats::Counts& c) {
    uint64_t n = 0;
    for (uint64_t v : c.conn_failed) n += v;
    return n;
}

// TCP/TLS connections for the live view (empty on UDP): open now, opened this second, failed in all.
std::string conn_summary(const stats::Counts& total, const stats::Counts& second) {
    if (total.conn_opened + total.conn_accepted + conn_failures(total) == 0) return {};
    return fmt::format("conns {} (+{}/s) failed {}", total.conn_current,
                       second.conn_opened + second.conn_accepted, conn_failures(total));
}

// The live media figures: streams open, packets per second each way, loss and late packets so far,
// and of the streams that ended this second, the worst jitter and MOS. Empty without media.
std::string media_summary(const stats::Counts& total, const stats::SeriesRow& row) {
    const stats::Counts& d = row.counts;
    if (total.media_packets_out + total.media_packets_in + total.media_live == 0) return {};
    const double per_s = row.interval_s > 0 ? 1.0 / row.interval_s : 0;
    const double loss = total.media_expected ? 100.0 * static_cast<double>(total.media_lost) /
                                                   static_cast<double>(total.media_expected)
                                             : 0.0;
    std::string s = fmt::format("media {} streams, {:.0f} pkt/s out {:.0f} in, loss {:.2f}%",
                                total.media_live, static_cast<double>(d.media_packets_out) * per_s,
                                static_cast<double>(d.media_packets_in) * per_s, loss);
    if (row.media_mos_p5_milli)
        s += fmt::format(", jitter p99 {:.1f} ms, MOS p5 {:.2f}", ms_of_us(row.media_jitter_p99_us),
                         static_cast<double>(row.media_mos_p5_milli) / 1000);
    if (total.media_late_packets) s += fmt::format(", {} sent late", total.media_late_packets);
    return s;
}

// CI logs and pipes: one plain line a second.
void print_line(const stats::SeriesRow& row, const stats::Snapshot& total, const ReportOptions& opt,
                uint64_t elapsed_ns, const std::string& stack) {
    const stats::Counts& c = total.counts;
    const stats::Counts& d = row.counts;
    double cps = row.interval_s > 0 ? static_cast<double>(d.calls_attempted) / row.interval_s : 0;
    std::string progress = progress_of(c, opt, elapsed_ns);
    fmt::print(
        "[{:5.1f}s{}] calls {} ok {} failed {} live {} | {:.0f} cps{} | retrans {} | setup p50 {:.2f} ms "
        "p99 {:.2f} ms | lag {:.0f} ms late {:.2f} ms busy {:.0f}%{}{}{}\n",
        static_cast<double>(elapsed_ns) / 1e9, progress.empty() ? "" : " " + progress, c.calls_attempted,
        c.calls_succeeded, c.calls_failed, c.concurrent_calls, cps,
        opt.target_cps > 0 ? fmt::format(" (target {:.0f})", opt.target_cps) : std::string(),
        stats::retransmissions_total(c), ms_of_us(row.setup_p50_us), ms_of_us(row.setup_p99_us),
        static_cast<double>(d.lag_max_interval_ns) / 1e6, ms_of_us(row.timer_late_max_us),
        stats::busy_share(d) * 100, d.rx_drops ? fmt::format(" rx-drops {}", d.rx_drops) : std::string(),
        conn_summary(c, d).empty() ? "" : " | " + conn_summary(c, d), stack.empty() ? "" : " | " + stack);
    if (const std::string media = media_summary(c, row); !media.empty()) fmt::print("         {}\n", media);
    std::fflush(stdout);
}

// A terminal: a panel redrawn in place every second.
class Panel {
  public:
    void draw(const stats::SeriesRow& row, const stats::Snapshot& total, const ReportOptions& opt,
              uint64_t elapsed_ns, const std::string& stack) {
        const stats::Counts& c = total.counts;
        const stats::Counts& d = row.counts;
        const double secs = static_cast<double>(elapsed_ns) / 1e9;
        const double cps = row.interval_s > 0 ? static_cast<double>(d.calls_attempted) / row.interval_s : 0;
        std::string progress = progress_of(c, opt, elapsed_ns);
        std::string bar;
        if (!progress.empty()) {
            double share = std::stod(progress) / 100;
            int filled = std::clamp(static_cast<int>(share * 30), 0, 30);
            bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                  std::string(static_cast<size_t>(30 - filled), '.') + "] " + progress;
        }
        std::string failures;
        for (size_t i = 0; i < stats::kFailReasons; ++i)
            if (c.failed_by_reason[i])
                failures += fmt::format("{} {}  ", stats::kFailReasonNames[i], c.failed_by_reason[i]);
        std::string text;
        text += fmt::format("\x1b[1m{}\x1b[0m -> {}   {:.0f} s  {}\n", opt.scenario, opt.target, secs, bar);
        text += fmt::format("  calls      attempted {:<10} succeeded {:<10} failed {:<8} live {}\n",
                            c.calls_attempted, c.calls_succeeded, c.calls_failed, c.concurrent_calls);
        text +=
            fmt::format("  rate       {:.0f} calls/s this second{}   {:.0f} calls/s on average\n", cps,
                        opt.target_cps > 0 ? fmt::format(" (target {:.0f})", opt.target_cps) : std::string(),
                        secs > 0 ? static_cast<double>(c.calls_attempted) / secs : 0.0);
        text +=
            fmt::format("  setup      p50 {:.2f} ms   p99 {:.2f} ms   max {:.2f} ms (this second)\n",
                        ms_of_us(row.setup_p50_us), ms_of_us(row.setup_p99_us), ms_of_us(row.setup_max_us));
        text += fmt::format("  retrans    {} this second, {} in all\n", stats::retransmissions_total(d),
                            stats::retransmissions_total(c));
        text += fmt::format("  failures   {}\n", failures.empty() ? "none" : failures);
        text += fmt::format(
            "  generator  lag {:.1f} ms   timers late p99 {:.2f} ms max {:.2f} ms   busy {:.0f}%   "
            "rx drops {}{}\n",
            static_cast<double>(d.lag_max_interval_ns) / 1e6, ms_of_us(row.timer_late_p99_us),
            ms_of_us(row.timer_late_max_us), stats::busy_share(d) * 100, c.rx_drops,
            d.lag_max_interval_ns > 100'000'000 ? "   \x1b[31mFALLING BEHIND\x1b[0m" : "");
        if (!stack.empty()) text += fmt::format("  network    {}\n", stack);
        if (const std::string media = media_summary(c, row); !media.empty())
            text += fmt::format("  media      {}\n", media);
        if (const std::string conns = conn_summary(c, d); !conns.empty())
            text += fmt::format("  transport  {}\n", conns);
        // Move up over the previous panel and clear it.
        if (lines_) fmt::print("\x1b[{}F\x1b[J", lines_);
        fmt::print("{}", text);
        std::fflush(stdout);
        lines_ = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    }

  private:
    int lines_ = 0;
};

}  // namespace

int run_and_report(ua::Runner& runner, const ReportOptions& opt) {
    runtime::install_stop_signals();
    const auto started_unix_ms =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    report::PrometheusInfo metrics_info;
    std::unique_ptr<MetricsHttp> metrics = open_metrics(opt, metrics_info, started_unix_ms);
    runner.start();
    const uint64_t start = runner.start_ns();

    std::vector<stats::SeriesRow> series;
    // Room for a day of rows at once (an hour per second, then per minute: stats/series_fold.hpp). Its
    // pages are touched only as rows come; growing by reallocation would leave the old copies in the
    // heap, which a soak run would see as a leak.
    series.reserve(3600 + 24 * 60);
    stats::SeriesBuilder builder(runner.shards(), start);
    std::unique_ptr<Panel> panel;
    if (isatty(STDOUT_FILENO) && !std::getenv("SIPSTORM_PLAIN")) panel = std::make_unique<Panel>();
    auto prev = std::make_unique<stats::Snapshot>();
    prev->taken_ns = start;
    uint64_t stop_requested_at = 0;
    bool interrupted = false;

    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        uint64_t now = runtime::now_ns();
        if (runtime::stop_signalled() && !stop_requested_at) {
            interrupted = true;
            stop_requested_at = now;
            runner.stop_starting();
            if (!opt.quiet)
                fmt::print("stopping: no new calls; waiting up to {:.0f} s for live calls to end\n",
                           static_cast<double>(opt.drain_ns) / 1e9);
        }
        if (runtime::stop_signal_count() > 1) break;  // a second Ctrl-C: now
        // A second's row is ready once every shard has published past it (within a pass of each
        // shard's loop after the boundary).
        observe(runner, opt.main_endpoint, builder);
        metrics_info.series_rows = series.size();
        metrics_info.series_bytes = series.size() * sizeof(stats::SeriesRow);
        if (metrics)
            metrics->poll(
                [&] {
                    return metrics_text(metrics_info, builder, runner.shards(),
                                        static_cast<double>(now - std::min(now, start)) / 1e9);
                },
                now);
        std::vector<stats::SeriesRow> rows = builder.take_ready();
        if (!rows.empty()) {
            Totals t = collect(builder, runner.shards());
            for (const stats::SeriesRow& row : rows) stats::append_row(series, row);
            const stats::SeriesRow& row = rows.back();
            if (opt.quiet) {
            } else if (panel) {
                panel->draw(row, *t.total, opt, now - start,
                            stack_summary(runner.stack_counters(opt.main_endpoint)));
            } else {
                print_line(row, *t.total, opt, now - start,
                           stack_summary(runner.stack_counters(opt.main_endpoint)));
            }
            prev = std::move(t.total);
            const stats::Counts& c = prev->counts;
            uint64_t ended = c.calls_succeeded + c.calls_failed;
            if (!stop_requested_at && ((opt.stop_after_calls && ended >= opt.stop_after_calls) ||
                                       (opt.stop_after_ns && now - start >= opt.stop_after_ns))) {
                stop_requested_at = now;
                runner.stop_starting();
            }
        }
        if (runner.load_done()) break;
        // The last call has started: live calls get the drain time to end, as after Ctrl-C. (A call
        // whose INVITE got a provisional and then nothing has no transaction timer left to end it.)
        if (!stop_requested_at && runner.starts_done()) stop_requested_at = now;
        if (stop_requested_at) {
            // Live calls from the shards' own counters, not from a snapshot up to a second old.
            uint64_t live = 0;
            for (unsigned i = 0; i < runner.shards(); ++i)
                live += runner.stats(opt.main_endpoint, i).counters().concurrent_calls.get();
            if (live == 0 || now - stop_requested_at >= opt.drain_ns) break;
        }
    }
    runner.abort();
    runner.join();
    const uint64_t end = runtime::now_ns();
    std::string trace_error;
    if (!runner.finish_traces(&trace_error)) fmt::print(stderr, "sipstorm: {}\n", trace_error);

    observe(runner, opt.main_endpoint, builder);
    for (const stats::SeriesRow& row : builder.finish()) stats::append_row(series, row);
    Totals t = collect(builder, runner.shards());
    const stats::Snapshot& total = *t.total;
    const stats::Counts& c = total.counts;

    stats::RunInfo info;
    info.tool_version = SIPSTORM_VERSION;
    info.command_line = opt.command_line;
    info.scenario = opt.scenario;
    info.target = opt.target;
    info.started_unix_ms = started_unix_ms;
    info.duration_s = static_cast<double>(end - start) / 1e9;
    info.rate_target_cps = opt.target_cps;
    for (size_t i = 1; i < static_cast<size_t>(sip::Method::kCount); ++i)
        info.method_names[i] = std::string(sip::method_text(static_cast<sip::Method>(i)));
    info.counter_names = opt.counter_names;
    info.timer_names = opt.timer_names;
    std::vector<const stats::Snapshot*> parts;
    for (const auto& s : t.shards) parts.push_back(&s);
    nlohmann::json result = stats::make_result(info, total, parts, series);

    // Failure reasons by their text, summed over shards.
    std::map<std::string, uint64_t> reasons;
    for (unsigned i = 0; i < runner.shards(); ++i) {
        const ua::FailureTable& f = runner.failures(opt.main_endpoint, i);
        for (const auto& e : f.entries())
            if (e.count) reasons[e.text] += e.count;
        if (f.other()) reasons["(other reasons)"] += f.other();
    }
    result["calls"]["failed_by_detail"] = reasons;
    // The achieved rate is over the time calls were being started, not the drain after the last one:
    // N calls at rate r start over (N-1)/r seconds, hence the 1/r.
    double load_s = info.duration_s;
    if (uint64_t last = runner.last_call_start_ns(opt.main_endpoint); last > start && c.calls_attempted > 0)
        load_s = static_cast<double>(last - start) / 1e9 + (opt.target_cps > 0 ? 1.0 / opt.target_cps : 0.0);
    const double achieved = load_s > 0 ? static_cast<double>(c.calls_attempted) / load_s : 0.0;
    result["rate"]["achieved"] = achieved;
    result["rate"]["load_duration_s"] = load_s;
    result["interrupted"] = interrupted;
    if (opt.shard_of) result["shard_of"] = {{"index", opt.shard_of->first}, {"total", opt.shard_of->second}};
    const std::vector<ua::StackWarning> warnings = runner.stack_warnings(opt.main_endpoint);
    if (const auto stack = runner.stack_counters(opt.main_endpoint); !stack.empty()) {
        nlohmann::json& j = result["dpdk"];
        j["drops"] = nlohmann::json::object();
        uint64_t drops = 0;
        for (const ua::StackCount& sc : stack) {
            (sc.drop ? j["drops"][sc.name] : j[sc.name]) = sc.value;
            if (sc.drop) drops += sc.value;
        }
        j["drops_total"] = drops;
        j["warnings"] = nlohmann::json::array();
        for (const ua::StackWarning& w : warnings)
            j["warnings"].push_back({{"reason", w.reason}, {"message", w.message}});
    }

    // The summary.
    const auto& setup = total.hist.setup_us;
    fmt::print("\n== {} ==\n", opt.scenario);
    fmt::print(
        "calls: {} attempted, {} succeeded, {} failed in {:.2f} s ({:.1f} calls/s over {:.2f} s of "
        "starts{})\n",
        c.calls_attempted, c.calls_succeeded, c.calls_failed, info.duration_s, achieved, load_s,
        opt.target_cps > 0 ? fmt::format(", target {:.0f}", opt.target_cps) : std::string());
    for (const auto& [text, n] : reasons) fmt::print("  failed: {} x {}\n", n, text);
    if (!opt.transport.empty()) {
        result["transport"] = opt.transport;
        fmt::print("transport: {}\n", opt.transport);
    }
    if (opt.tls_insecure) {
        result["tls_insecure"] = true;
        fmt::print(
            "WARNING: --tls-insecure: the server's certificate was NOT verified; these calls prove nothing "
            "about its identity.\n");
    }
    fmt::print("retransmissions: {}\n", stats::retransmissions_total(c));
    if (c.auto_answered)
        fmt::print("auto-answered: {} in-call requests answered 200 (--auto-answer)\n", c.auto_answered);
    if (setup.count())
        fmt::print("setup time (ms): p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  max {:.3f}\n",
                   ms_of_us(setup.percentile(50)), ms_of_us(setup.percentile(90)),
                   ms_of_us(setup.percentile(99)), ms_of_us(setup.max()));
    for (size_t i = 0; i < opt.timer_names.size() && i < stats::kScenarioTimers; ++i) {
        const stats::Histogram& h = total.hist.scenario_timer_us[i];
        fmt::print("timer {} (ms): {} measured, p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  max {:.3f}\n",
                   opt.timer_names[i], h.count(), ms_of_us(h.percentile(50)), ms_of_us(h.percentile(90)),
                   ms_of_us(h.percentile(99)), ms_of_us(h.max()));
    }
    if (!opt.counter_names.empty()) {
        std::string counts;
        for (size_t i = 0; i < opt.counter_names.size() && i < stats::kScenarioCounters; ++i)
            counts += fmt::format("{}{} {}", i ? ", " : "", opt.counter_names[i], c.scenario_counters[i]);
        fmt::print("counters: {}\n", counts);
    }
    const auto& gen = result["generator"];
    fmt::print(
        "generator: lag max {:.1f} ms, timers late p50 {:.3f} ms p99 {:.3f} ms max {:.3f} ms, rx drops {}, "
        "tx errors {}\n",
        gen["lag_ms_max"].get<double>(), gen["timer_late_ms_p50"].get<double>(),
        gen["timer_late_ms_p99"].get<double>(), gen["timer_late_ms_max"].get<double>(), c.rx_drops,
        c.tx_errors);
    if (const std::string s = stack_summary(runner.stack_counters(opt.main_endpoint)); !s.empty())
        fmt::print("{}\n", s);
    for (const ua::StackWarning& w : warnings) fmt::print("hint: {}\n", w.message);
    if (c.media_streams + c.media_packets_out + c.media_packets_in > 0) {
        const nlohmann::json& m = result["media"];
        fmt::print(
            "media: {} streams ({} received nothing), RTP {} out / {} in, lost {} of {} ({:.3f}%), "
            "{} duplicated, {} reordered, {} sent late; RTCP {} out / {} in\n",
            c.media_streams, c.media_no_rtp_calls, c.media_packets_out, c.media_packets_in, c.media_lost,
            c.media_expected, m["loss_pct"].get<double>(), c.media_duplicates, c.media_reordered,
            c.media_late_packets, c.media_rtcp_out, c.media_rtcp_in);
        auto dist = [&](const char* name, const stats::Histogram& h, const char* unit) {
            if (h.count())
                fmt::print("media {} ({}): p5 {:.3f}  p50 {:.3f}  p99 {:.3f}  max {:.3f}\n", name, unit,
                           ms_of_us(h.percentile(5)), ms_of_us(h.percentile(50)), ms_of_us(h.percentile(99)),
                           ms_of_us(h.max()));
        };
        dist("jitter", total.hist.media_jitter_us, "ms");
        dist("MOS", total.hist.media_mos_milli, "E-model");
        dist("RTCP round trip", total.hist.media_rtt_us, "ms");
        dist("echo round trip", total.hist.media_echo_rtt_us, "ms");
        dist("send lateness", total.hist.media_send_late_us, "ms");
        std::string digits;
        for (const auto& [k, v] : m["dtmf_received"].items())
            digits += fmt::format(" {}x{}", k, v.get<uint64_t>());
        if (c.dtmf_sent || !digits.empty())
            fmt::print("DTMF: {} digits sent; received:{}\n", c.dtmf_sent, digits.empty() ? " none" : digits);
    }
    if (c.conn_opened + c.conn_accepted + conn_failures(c) > 0) {
        std::string failed;
        for (size_t i = 0; i < stats::kConnFailReasons; ++i)
            if (c.conn_failed[i])
                failed += fmt::format("{}{} {}", failed.empty() ? "" : ", ", stats::kConnFailReasonNames[i],
                                      c.conn_failed[i]);
        fmt::print(
            "connections: {} opened, {} accepted, {} closed, peak {}{}; failed: {}\n", c.conn_opened,
            c.conn_accepted, c.conn_closed, c.conn_peak,
            (c.conn_reconnects ? fmt::format(", {} reconnects", c.conn_reconnects) : std::string()) +
                (c.tls_resumed ? fmt::format(", {} TLS sessions resumed", c.tls_resumed) : std::string()),
            failed.empty() ? "none" : failed);
        const auto& ct = total.hist.connect_us;
        const auto& hs = total.hist.handshake_us;
        if (ct.count())
            fmt::print("connect time (ms): p50 {:.3f}  p99 {:.3f}  max {:.3f}\n", ms_of_us(ct.percentile(50)),
                       ms_of_us(ct.percentile(99)), ms_of_us(ct.max()));
        if (hs.count())
            fmt::print("TLS handshake time (ms): p50 {:.3f}  p99 {:.3f}  max {:.3f}\n",
                       ms_of_us(hs.percentile(50)), ms_of_us(hs.percentile(99)), ms_of_us(hs.max()));
        fmt::print("bytes: {} in, {} out\n", c.bytes_in, c.bytes_out);
    }
    if (const std::string tls = runner.tls_summary(opt.main_endpoint); !tls.empty()) {
        result["connections"]["tls"] = tls;
        fmt::print("TLS: {}\n", tls);
    }
    if (gen["saturated"].get<bool>())
        fmt::print(
            "WARNING: the generator itself was saturated ({}): the figures above may show its limits, "
            "not the target's.\n",
            gen["saturation_reason"].get<std::string>());
    const int code = finish_outputs(result, opt.outputs, opt.gates, c.calls_failed == 0 ? 0 : 1);
    if (!opt.out.empty()) {
        std::ofstream f(opt.out);
        f << result.dump(2) << "\n";
        if (!f) throw std::runtime_error("cannot write " + opt.out);
        fmt::print("result written to {}\n", opt.out);
    }
    if (metrics && opt.metrics_linger_ns) {
        // The final figures, for a scraper that would otherwise miss the end of the run.
        const std::string text =
            metrics_text(metrics_info, builder, runner.shards(), static_cast<double>(end - start) / 1e9);
        const uint64_t scrapes = metrics->scrapes(), until = runtime::now_ns() + opt.metrics_linger_ns;
        while (metrics->scrapes() == scrapes && runtime::now_ns() < until &&
               runtime::stop_signal_count() < 2) {
            metrics->poll([&] { return text; }, runtime::now_ns());
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        for (int i = 0; i < 20; ++i) {  // let the answer go out
            metrics->poll([&] { return text; }, runtime::now_ns());
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    return code;
}

}  // namespace sipstorm::cli
