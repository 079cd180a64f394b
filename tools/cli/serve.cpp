// sipstorm serve: the UAS side, answering calls with a UAS scenario.
#include <fmt/core.h>

#include "load.hpp"
#include "metrics_http.hpp"
#include "runtime/clock.hpp"
#include "transport_options.hpp"

namespace sipstorm::cli {

namespace {

constexpr const char* kUsage =
    "Usage: sipstorm serve SCENARIO.lua [--listen HOST:PORT] [options]\n\n"
    "Answers calls with a UAS scenario (e.g. scenarios/answer.lua) on --listen (default 127.0.0.1:5060),\n"
    "one socket per shard on the same port (SO_REUSEPORT). Runs until Ctrl-C, --duration or --calls.\n"
    "Exit code: 0 when no call failed, 1 when some failed, 2 on a usage or scenario error.";

}  // namespace

int cmd_serve(const Args& args) {
    CommonOptions common;
    std::string listen = "127.0.0.1:5060";
    TransportOptions topt;
    po::options_description d("Options");
    d.add_options()("listen", po::value(&listen), "HOST:PORT to answer on (default 127.0.0.1:5060)");
    add_common_options(d, common);
    add_transport_options(d, topt, false);
    std::string scenario;
    po::variables_map vm;
    if (!parse_command_line(args, d, kUsage, scenario, vm)) return 0;
    std::vector<report::Gate> gates = parse_gates_or_throw(common.outputs);
    if (common.loss < 0 || common.loss > 100) throw UsageError("--loss must be a percentage from 0 to 100");

    if (bool loopback; !common.metrics.empty()) parse_metrics_address(common.metrics, loopback);  // early
    check_engine_options(common);
    auto program = load_scenario(scenario, parse_set(common.set), &common);
    add_scenario_gates(program->gates, scenario, gates);
    if (program->role != ua::Role::kUas)
        throw UsageError(fmt::format("{} is a UAC scenario: run it with 'sipstorm run'", scenario));

    ua::RunConfig rc;
    rc.shards = common.shards ? common.shards : default_shards();
    rc.shards_follow_port = common.shards == 0;
    rc.busy_poll = common.busy_poll;
    ua::EndpointSpec uas;
    uas.name = "UAS";
    uas.program = program.get();
    const ua::StreamSpec::Kind kind = transport_kind(topt.transport);
    if (kind == ua::StreamSpec::Kind::kTls && !vm.count("listen")) listen = "127.0.0.1:5061";
    uas.udp.local = parse_address(listen, kind == ua::StreamSpec::Kind::kTls ? 5061 : 5060, "listen",
                                  family_preference(common));
    uas.udp.reuseport = !common.dpdk.enabled;
    uas.dpdk = common.dpdk;
    uas.udp.loss_percent = common.loss;
    uas.pcap = common.pcap;
    uas.udp.gso = !common.no_gso;
    uas.udp.gro = !common.no_gro;
    uas.engine.run_id = static_cast<uint32_t>(runtime::now_ns());
    uas.engine.max_calls = common.call_slots;
    apply_media_options(common, uas);
    uas.engine.timers = {common.t1_ms, common.t2_ms, common.t4_ms, false};
    uas.engine.auto_answer = common.auto_answer;
    apply_transport_options(topt, kind, false, nullptr, uas);
    raise_file_limit(
        kind == ua::StreamSpec::Kind::kUdp ? 0 : 64 + uint64_t{rc.shards} * (4 + topt.max_connections),
        topt.max_connections ? "--max-connections" : "serve");
    rc.endpoints.push_back(uas);

    ua::Runner runner(rc);
    std::string error;
    if (!runner.open(&error)) throw std::runtime_error(error);

    ReportOptions ro;
    ro.quiet = common.quiet;
    ro.drain_ns = drain_ns_for(common, *program);
    ro.counter_names = program->counter_names;
    ro.timer_names = program->timer_names;
    ro.out = common.out;
    ro.outputs = common.outputs;
    ro.gates = std::move(gates);
    ro.scenario = scenario;
    ro.target = runner.local_address(0).to_string();
    ro.command_line = command_line_of("serve", args);
    ro.transport = transport_banner(uas, false);
    ro.metrics = common.metrics;
    if (!common.metrics_linger.empty())
        ro.metrics_linger_ns = parse_duration_ns(common.metrics_linger, "metrics-linger");
    ro.command = "serve";
    ro.stop_after_calls = common.calls;
    ro.stop_after_ns = common.duration.empty() ? 0 : parse_duration_ns(common.duration, "duration");
    ro.calls_goal = common.calls;
    ro.duration_goal_ns = ro.stop_after_ns;
    if (!common.quiet)
        fmt::print("sipstorm serve {} on {} | {}{}\n", scenario, ro.target, shards_text(runner),
                   ro.transport.empty() ? "" : " | " + ro.transport);
    return run_and_report(runner, ro);
}

}  // namespace sipstorm::cli
