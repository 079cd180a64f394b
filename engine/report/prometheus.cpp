#include "report/prometheus.hpp"

#include <string_view>

#include "report/prometheus_writer.hpp"
#include "stats/result.hpp"

namespace sipstorm::report {
namespace {

using prom::escape;
using prom::Writer;

std::string method_name(const PrometheusInfo& info, size_t i) {
    return info.method_names[i].empty() ? "method_" + std::to_string(i) : info.method_names[i];
}

}  // namespace

std::string prometheus_text(const PrometheusInfo& info, const stats::Snapshot& total,
                            std::span<const stats::Snapshot* const> shards, double elapsed_s) {
    const stats::Counts& c = total.counts;
    Writer w;
    w.family("sipstorm_info", "gauge", "The sipstorm process: version, command, scenario, shard of N.");
    w.sample("sipstorm_info",
             "version=\"" + escape(info.version) + "\",command=\"" + escape(info.command) + "\",scenario=\"" +
                 escape(info.scenario) + "\",shard=\"" + std::to_string(info.shard_index) + "/" +
                 std::to_string(info.shard_total) + "\"",
             uint64_t{1});
    w.family("sipstorm_start_time_seconds", "gauge", "When the run started, seconds since the Unix epoch.");
    w.sample("sipstorm_start_time_seconds", "", static_cast<double>(info.started_unix_ms) / 1000.0);
    w.family("sipstorm_elapsed_seconds", "gauge", "Time since the run started.");
    w.sample("sipstorm_elapsed_seconds", "", elapsed_s);
    w.family("sipstorm_target_calls_per_second", "gauge",
             "The rate this process was asked for (0 when not rate-driven).");
    w.sample("sipstorm_target_calls_per_second", "", info.target_cps);

    w.family("sipstorm_calls_attempted_total", "counter", "Calls started.");
    w.sample("sipstorm_calls_attempted_total", "", c.calls_attempted);
    w.family("sipstorm_calls_succeeded_total", "counter", "Calls that ran their scenario to the end.");
    w.sample("sipstorm_calls_succeeded_total", "", c.calls_succeeded);
    w.family("sipstorm_calls_failed_total", "counter", "Calls that ended otherwise, by reason.");
    for (size_t i = 0; i < stats::kFailReasons; ++i)
        w.sample("sipstorm_calls_failed_total", "reason=\"" + std::string(stats::kFailReasonNames[i]) + "\"",
                 c.failed_by_reason[i]);
    w.family("sipstorm_calls_live", "gauge", "Calls in progress.");
    w.sample("sipstorm_calls_live", "", c.concurrent_calls);

    w.family("sipstorm_retransmissions_total", "counter", "Messages sent again, by type.");
    for (size_t i = 0; i < stats::kRetransKinds; ++i)
        w.sample("sipstorm_retransmissions_total",
                 "type=\"" + std::string(stats::kRetransKindNames[i]) + "\"", c.retransmissions[i]);
    w.family("sipstorm_requests_total", "counter",
             "SIP requests received (direction in) and sent (out, retransmissions included), by method.");
    for (size_t i = 0; i < stats::kMaxMethods; ++i) {
        if (c.requests_in[i])
            w.sample("sipstorm_requests_total",
                     "direction=\"in\",method=\"" + escape(method_name(info, i)) + "\"", c.requests_in[i]);
        if (c.requests_out[i])
            w.sample("sipstorm_requests_total",
                     "direction=\"out\",method=\"" + escape(method_name(info, i)) + "\"", c.requests_out[i]);
    }
    w.family("sipstorm_responses_total", "counter", "SIP responses received and sent, by class.");
    for (size_t i = 0; i < stats::kResponseClasses; ++i) {
        const std::string cls = std::to_string(i + 1) + "xx";
        w.sample("sipstorm_responses_total", "direction=\"in\",class=\"" + cls + "\"", c.responses_in[i]);
        w.sample("sipstorm_responses_total", "direction=\"out\",class=\"" + cls + "\"", c.responses_out[i]);
    }
    w.family("sipstorm_unexpected_messages_total", "counter", "Messages that belong to no call.");
    w.sample("sipstorm_unexpected_messages_total", "", c.unexpected_messages);
    w.family("sipstorm_parse_errors_total", "counter", "Datagrams that did not parse as SIP.");
    w.sample("sipstorm_parse_errors_total", "", c.parse_errors);

    w.family("sipstorm_setup_seconds", "histogram",
             "Call setup time: the INVITE's intended send time to its 200.");
    w.histogram("sipstorm_setup_seconds", "", total.hist.setup_us, kLatencyBounds, 1e6);
    w.family("sipstorm_call_seconds", "histogram",
             "Call duration: intended start to the last step (succeeded).");
    w.histogram("sipstorm_call_seconds", "", total.hist.call_us, kLatencyBounds, 1e6);
    w.family("sipstorm_response_seconds", "histogram",
             "Request sent to its final response received, by method.");
    for (size_t i = 0; i < stats::kMaxMethods; ++i)
        if (total.hist.response_us[i].count())
            w.histogram("sipstorm_response_seconds", "method=\"" + escape(method_name(info, i)) + "\"",
                        total.hist.response_us[i], kLatencyBounds, 1e6);

    w.family("sipstorm_generator_lag_seconds", "gauge",
             "How far a shard is behind the arrival schedule now.");
    for (size_t i = 0; i < shards.size(); ++i)
        w.sample("sipstorm_generator_lag_seconds", "shard=\"" + std::to_string(i) + "\"",
                 static_cast<double>(shards[i]->counts.lag_ns) / 1e9);
    w.family("sipstorm_generator_lag_max_seconds", "gauge", "A shard's worst schedule lag since the start.");
    for (size_t i = 0; i < shards.size(); ++i)
        w.sample("sipstorm_generator_lag_max_seconds", "shard=\"" + std::to_string(i) + "\"",
                 static_cast<double>(shards[i]->counts.lag_max_ns) / 1e9);
    w.family("sipstorm_generator_busy_seconds_total", "counter",
             "A shard's loop time spent working; busy share = rate(busy) / rate(loop).");
    for (size_t i = 0; i < shards.size(); ++i)
        w.sample("sipstorm_generator_busy_seconds_total", "shard=\"" + std::to_string(i) + "\"",
                 static_cast<double>(shards[i]->counts.busy_ns) / 1e9);
    w.family("sipstorm_generator_loop_seconds_total", "counter", "A shard's loop time.");
    for (size_t i = 0; i < shards.size(); ++i)
        w.sample("sipstorm_generator_loop_seconds_total", "shard=\"" + std::to_string(i) + "\"",
                 static_cast<double>(shards[i]->counts.loop_ns) / 1e9);
    w.family("sipstorm_generator_busy_ratio", "gauge",
             "A shard's share of loop time spent working, since the start.");
    for (size_t i = 0; i < shards.size(); ++i)
        w.sample("sipstorm_generator_busy_ratio", "shard=\"" + std::to_string(i) + "\"",
                 stats::busy_share(shards[i]->counts));
    w.family("sipstorm_timers_armed", "gauge", "Timers armed in the shards' timer wheels.");
    w.sample("sipstorm_timers_armed", "", c.timers_armed);
    w.family("sipstorm_call_slots_touched", "gauge",
             "Call table slots ever used (their memory is committed): flat at a steady load.");
    w.sample("sipstorm_call_slots_touched", "", c.call_slots_touched);
    w.family("sipstorm_series_rows", "gauge", "Rows of the per-second series held for the result file.");
    w.sample("sipstorm_series_rows", "", info.series_rows);
    w.family("sipstorm_series_bytes", "gauge", "Memory those rows take (grows by design: one row a second).");
    w.sample("sipstorm_series_bytes", "", info.series_bytes);
    w.family("sipstorm_rx_drops_total", "counter", "Datagrams dropped before the generator read them.");
    w.sample("sipstorm_rx_drops_total", "", c.rx_drops);
    w.family("sipstorm_tx_errors_total", "counter", "Sends that failed.");
    w.sample("sipstorm_tx_errors_total", "", c.tx_errors);
    w.family("sipstorm_generator_saturated", "gauge",
             "1 when the generator itself may be limiting the run (lag, a busy shard, receive drops).");
    w.sample("sipstorm_generator_saturated", "",
             uint64_t{stats::assess_saturation(total, shards).saturated ? 1u : 0u});
    prom::write_connections(w, total);
    prom::write_media(w, total);
    return w.take();
}

}  // namespace sipstorm::report
