// sipstorm run: the UAC side of a load test.
#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>

#include "data_dir.hpp"
#include "load.hpp"
#include "metrics_http.hpp"
#include "runtime/clock.hpp"
#include "shard_of.hpp"
#include "transport_options.hpp"

namespace sipstorm::cli {

namespace {

constexpr const char* kUsage =
    "Usage: sipstorm run SCENARIO.lua [options]\n\n"
    "Runs a UAC scenario (e.g. scenarios/basic_call.lua) against --target. Without --target it starts the\n"
    "built-in UAS (scenarios/answer.lua) on loopback in the same process, so a load test works out of the "
    "box.\n"
    "Calls start at --rate calls/s (default 10) or keep --concurrent calls up; the run ends after --calls,\n"
    "after --duration, or on Ctrl-C; live calls then get --drain to finish (a second Ctrl-C ends at once).\n"
    "Exit code: 0 when no call failed, 1 when some failed, 2 on a usage or scenario error.";

std::string builtin_uas_path(const std::string& scenario, const ua::Program& program) {
    if (!program.peer.empty()) {
        if (access(program.peer.c_str(), R_OK) == 0) return program.peer;
        throw UsageError("no --target given and the scenario's peer " + program.peer + " can't be read");
    }
    std::string dir = scenario.find('/') == std::string::npos ? "." : scenario.substr(0, scenario.rfind('/'));
    for (const std::string& p : {dir + "/answer.lua", data_dir() + "/scenarios/answer.lua"})
        if (access(p.c_str(), R_OK) == 0) return p;
    throw UsageError(
        "no --target given and the built-in UAS scenario answer.lua was not found; pass --uas FILE");
}

}  // namespace

int cmd_run(const Args& args) {
    CommonOptions common;
    std::string target, ramp, arrivals = "uniform", local_ip, uas_path, recv_timeout, uas_dpdk_ip;
    int uas_dpdk_port = -1;
    double rate = 0;
    uint64_t concurrent = 0;
    std::vector<std::string> uas_set;
    TransportOptions topt;
    std::string shard_of_text;
    uint32_t shards_total = 0;
    po::options_description d("Options");
    d.add_options()("target", po::value(&target),
                    "HOST:PORT or a SIP URI (sip:host;transport=tcp, sips:host) to call (default: a built-in "
                    "UAS on 127.0.0.1)")(
        "rate", po::value(&rate), "calls per second to start (default 10, or none with --concurrent alone)")(
        "rate-ramp", po::value(&ramp),
        "FROM:TIME, start at FROM calls/s and reach --rate after TIME, e.g. 100:30s")(
        "arrivals", po::value(&arrivals), "uniform (default) or poisson call arrivals")(
        "concurrent", po::value(&concurrent), "at most this many live calls; alone: keep this many up")(
        "local-ip", po::value(&local_ip),
        "local address to send from (default: the route to the target); TCP/TLS: a range FIRST-LAST gives "
        "connections these source addresses in turn")(
        "recv-timeout", po::value(&recv_timeout), "fail a call that waits longer than this at a recv step")(
        "uas", po::value(&uas_path),
        "scenario of the built-in UAS (default: the scenario's peer, else answer.lua)")(
        "uas-set", po::value(&uas_set)->composing(), "parameter NAME=VALUE of the built-in UAS scenario")(
        "uas-dpdk-ip", po::value(&uas_dpdk_ip),
        "--engine dpdk without --target: the built-in UAS's address on its own DPDK port, which must be "
        "wired to the UAC's (a cable, a veth pair)")("uas-dpdk-port", po::value(&uas_dpdk_port),
                                                     "that DPDK port's id (default: --dpdk-port + 1)")(
        "shard-of", po::value(&shard_of_text),
        "I/N: this is shard I (0-based) of N processes or machines running one test: it takes its share "
        "of --rate, --concurrent and --calls, its slice of the --inf rows and of a --local-ip or --dpdk-ip "
        "range, and its own part of the Call-ID space; merge the results with 'sipstorm merge'")(
        "shards-total", po::value(&shards_total),
        "N: as --shard-of I/N with I from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)");
    add_common_options(d, common);
    add_transport_options(d, topt, true);
    std::string scenario;
    po::variables_map vm;
    if (!parse_command_line(args, d, kUsage, scenario, vm)) return 0;
    std::vector<report::Gate> gates = parse_gates_or_throw(common.outputs);

    if (rate < 0 || concurrent > (1ull << 32))
        throw UsageError("--rate must be >= 0 and --concurrent reasonable");
    if (common.loss < 0 || common.loss > 100) throw UsageError("--loss must be a percentage from 0 to 100");
    if (arrivals != "uniform" && arrivals != "poisson")
        throw UsageError("--arrivals must be uniform or poisson");
    const bool by_rate = vm.count("rate") || !vm.count("concurrent");
    if (by_rate && !vm.count("rate")) rate = 10;
    if (vm.count("rate-ramp") && !by_rate) throw UsageError("--rate-ramp needs --rate");

    const ShardOf shard_of = parse_shard_of(shard_of_text, shards_total, std::getenv("JOB_COMPLETION_INDEX"));
    if (shard_of.set) {
        // Whole-run amounts become this shard's part (the rate is split by the arrival schedule).
        if (concurrent) concurrent = share_of(concurrent, shard_of);
        if (vm.count("concurrent") && concurrent == 0)
            throw UsageError("--concurrent is below the number of shards (--shard-of): shard " +
                             std::to_string(shard_of.index) + " would get no calls");
        if (!by_rate && common.calls && share_of(common.calls, shard_of) == 0)
            throw UsageError("--calls is below the number of shards (--shard-of)");
        common.dpdk.local_ips = range_part(common.dpdk.local_ips, shard_of, "dpdk-ip");
        local_ip = range_part(local_ip, shard_of, "local-ip");  // one address of it each is fine on UDP
    }
    if (bool loopback; !common.metrics.empty()) parse_metrics_address(common.metrics, loopback);  // early
    check_engine_options(common);
    if ((!uas_dpdk_ip.empty() || uas_dpdk_port >= 0) && (!common.dpdk.enabled || !target.empty()))
        throw UsageError("--uas-dpdk-ip and --uas-dpdk-port are for --engine dpdk without --target");
    if (uas_dpdk_port > 65535 || uas_dpdk_port < -1)
        throw UsageError("--uas-dpdk-port must be a DPDK port id");
    auto program = load_scenario(scenario, parse_set(common.set), &common);
    add_scenario_gates(program->gates, scenario, gates);
    if (program->role != ua::Role::kUac)
        throw UsageError(fmt::format("{} is a UAS scenario: run it with 'sipstorm serve'", scenario));

    Target tg;
    if (!target.empty()) tg = resolve_target(target, topt.transport, family_preference(common));
    const ua::StreamSpec::Kind kind = target.empty() ? transport_kind(topt.transport) : tg.kind;
    if (kind == ua::StreamSpec::Kind::kTls && target.empty())
        throw UsageError("--transport tls needs --target (the built-in UAS has no certificate)");

    ua::RunConfig rc;
    rc.shards = common.shards ? common.shards : default_shards();
    rc.shards_follow_port = common.shards == 0;
    rc.busy_poll = common.busy_poll;
    rc.node = shard_of.index;
    rc.nodes = shard_of.total;
    txn::TimerConfig timers{common.t1_ms, common.t2_ms, common.t4_ms, false};
    const uint32_t run_id = run_id_for(
        static_cast<uint32_t>(runtime::now_ns() ^ (static_cast<uint64_t>(getpid()) << 20)), shard_of);

    std::unique_ptr<ua::Program> uas_program;
    if (target.empty()) {
        uas_program = load_scenario(
            uas_path.empty() ? builtin_uas_path(scenario, *program) : resolve_scenario(uas_path),
            parse_set(uas_set));
        if (uas_program->role != ua::Role::kUas) throw UsageError("--uas: not a UAS scenario");
        if (common.dpdk.enabled && uas_dpdk_ip.empty())
            throw UsageError(fmt::format(
                "--engine dpdk without --target: the built-in UAS needs a DPDK port of its own, wired to the "
                "UAC's (a cable, a veth pair): pass --uas-dpdk-ip ADDR (and --uas-dpdk-port N, default {}); "
                "or start the peer where the port reaches it ('sipstorm serve {} --listen ADDR:5060') and "
                "pass --target ADDR:5060",
                common.dpdk.port + 1, uas_path.empty() ? builtin_uas_path(scenario, *program) : uas_path));
        ua::EndpointSpec uas;
        uas.name = "built-in UAS";
        uas.program = uas_program.get();
        uas.udp.local = parse_address("127.0.0.1:0", 0, "target");
        uas.udp.reuseport = true;
        uas.udp.loss_percent = common.loss;
        uas.udp.gso = !common.no_gso;
        uas.udp.gro = !common.no_gro;
        uas.udp.loss_seed = 2;
        uas.engine.run_id = run_id ^ 0x55555555u;
        uas.engine.max_calls = common.call_slots;
        uas.engine.timers = timers;
        uas.engine.auto_answer = common.auto_answer;
        apply_media_options(common, uas, 1);
        TransportOptions server = topt;
        server.idle_timeout = "0";
        apply_transport_options(server, kind, false, nullptr, uas);
        if (common.dpdk.enabled) {
            uas.dpdk = common.dpdk;
            uas.dpdk.port = static_cast<uint16_t>(uas_dpdk_port >= 0 ? uas_dpdk_port : common.dpdk.port + 1);
            uas.dpdk.local_ips = uas_dpdk_ip;
            uas.dpdk.mac.clear();  // the port's own
        }
        rc.endpoints.push_back(uas);
    }

    ua::EndpointSpec uac;
    uac.name = "UAC";
    uac.program = program.get();
    uac.generates_load = true;
    uac.engine.run_id = run_id;
    uac.engine.max_calls = common.call_slots;
    uac.engine.timers = timers;
    uac.engine.auto_answer = common.auto_answer;
    uac.engine.bye_on_abort = common.bye_on_abort;
    apply_media_options(common, uac, target.empty() ? 0 : -1);
    if (!recv_timeout.empty()) uac.engine.recv_timeout_ns = parse_duration_ns(recv_timeout, "recv-timeout");
    net::Address remote;
    if (target.empty()) {
        uac.remote_from = 0;
        remote = parse_address("127.0.0.1:0", 0, "target");
    } else {
        remote = tg.address;
        uac.engine.remote = remote;
    }
    uac.dpdk = common.dpdk;
    if (common.dpdk.enabled) {
        uac.udp.local = remote;  // only the port matters to DPDK: the address comes from --dpdk-ip
        uac.udp.local.port = 0;
    } else {
        std::vector<net::Address> sources;
        if (!local_ip.empty()) sources = parse_address_range(local_ip, "local-ip", family_preference(common));
        uac.udp.local = local_ip.empty() ? local_address_for(remote) : sources.front();
        if (uac.udp.local.family == 0) throw UsageError("no route to " + target);
        if (sources.size() > 1) {
            if (kind == ua::StreamSpec::Kind::kUdp)
                throw UsageError("--local-ip: a range needs --transport tcp or tls");
            uac.stream.options.source_ips = sources;
        }
    }
    uac.udp.loss_percent = common.loss;
    uac.pcap = common.pcap;
    uac.udp.gso = !common.no_gso;
    uac.udp.gro = !common.no_gro;
    uac.udp.loss_seed = 1;
    ua::LoadPlan& load = uac.load;
    load.by_rate = by_rate;
    load.concurrent = concurrent;
    load.max_calls = by_rate ? common.calls : share_of(common.calls, shard_of);
    load.duration_ns = common.duration.empty() ? 0 : parse_duration_ns(common.duration, "duration");
    if (by_rate) {
        load.arrival.rate_cps = rate;
        load.arrival.pattern =
            arrivals == "poisson" ? runtime::ArrivalPattern::kPoisson : runtime::ArrivalPattern::kUniform;
        load.arrival.seed = run_id;
        load.arrival.max_calls = common.calls;
        load.arrival.duration_ns = load.duration_ns;
        if (!ramp.empty()) {
            size_t colon = ramp.find(':');
            if (colon == std::string::npos) throw UsageError("--rate-ramp expects FROM:TIME, e.g. 100:30s");
            try {
                load.arrival.ramp_from_cps = std::stod(ramp.substr(0, colon));
            } catch (const std::exception&) {
                throw UsageError("--rate-ramp: '" + ramp.substr(0, colon) + "' is not a rate");
            }
            load.arrival.ramp_ns = parse_duration_ns(ramp.substr(colon + 1), "rate-ramp");
        }
    }
    apply_transport_options(topt, kind, true, target.empty() ? nullptr : &tg, uac);
    if (kind != ua::StreamSpec::Kind::kUdp) {
        const net::StreamOptions& so = uac.stream.options;
        const uint64_t per_shard = so.model == net::ConnectionModel::kPool ? so.pool : 1;
        uint64_t needed = 64 + rc.shards * (4 + per_shard);
        if (so.model == net::ConnectionModel::kPerCall) needed += concurrent ? concurrent : 0;
        if (target.empty()) needed *= 2;  // the built-in UAS holds the other end of each
        raise_file_limit(needed, so.model == net::ConnectionModel::kPerCall
                                     ? "--connections per-call at --concurrent"
                                     : "this run");
    } else {
        raise_file_limit(0, "");  // the soft limit up to the hard one, whatever the transport
    }
    rc.endpoints.push_back(uac);
    const size_t uac_index = rc.endpoints.size() - 1;

    ua::Runner runner(rc);
    std::string error;
    if (!runner.open(&error)) throw std::runtime_error(error);

    ReportOptions ro;
    ro.main_endpoint = uac_index;
    ro.target_cps = by_rate ? rate / shard_of.total : 0;
    ro.calls_goal = share_of(common.calls, shard_of);
    if (shard_of.set) ro.shard_of = {shard_of.index, shard_of.total};
    ro.duration_goal_ns = load.duration_ns;
    ro.quiet = common.quiet;
    ro.drain_ns = drain_ns_for(common, *program);
    ro.counter_names = program->counter_names;
    ro.timer_names = program->timer_names;
    ro.out = common.out;
    ro.outputs = common.outputs;
    ro.gates = std::move(gates);
    ro.scenario = scenario;
    // A name shows the address it resolved to, so a log says whom the run really called.
    ro.target = target.empty()                 ? "built-in UAS at " + runner.local_address(0).to_string()
                : target == remote.to_string() ? target
                                               : target + " (" + remote.to_string() + ")";
    ro.command_line = command_line_of("run", args);
    ro.transport = transport_banner(uac, true);
    ro.tls_insecure = kind == ua::StreamSpec::Kind::kTls && topt.tls_insecure;
    ro.metrics = common.metrics;
    if (!common.metrics_linger.empty())
        ro.metrics_linger_ns = parse_duration_ns(common.metrics_linger, "metrics-linger");
    if (!common.quiet)
        fmt::print("sipstorm run {} -> {} | {}{}{} | {}\n", scenario, ro.target, shards_text(runner),
                   ro.transport.empty() ? "" : " | " + ro.transport,
                   shard_of.set ? fmt::format(" | shard {}/{}", shard_of.index, shard_of.total) : "",
                   by_rate ? fmt::format("{} calls/s{}", ro.target_cps,
                                         concurrent ? fmt::format(", at most {} live", concurrent) : "")
                           : fmt::format("{} concurrent calls", concurrent));
    return run_and_report(runner, ro);
}

}  // namespace sipstorm::cli
