#include "stats/result.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace sipstorm::stats {
namespace {

using nlohmann::json;

double ms(uint64_t us) {
    return static_cast<double>(us) / 1000.0;
}
double ms_from_ns(uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

std::string method_key(const RunInfo& run, size_t i) {
    return run.method_names[i].empty() ? "method_" + std::to_string(i) : run.method_names[i];
}

json latency(const Histogram& h) {
    return json{
        {"count", h.count()},          {"p50", ms(h.percentile(50))},    {"p90", ms(h.percentile(90))},
        {"p99", ms(h.percentile(99))}, {"p999", ms(h.percentile(99.9))}, {"max", ms(h.max())},
        {"mean", h.mean() / 1000.0}};
}

// The media object (engine/media): streams, packets, RFC 3550 loss, DTMF, and the per-stream
// distributions, whose summaries read like latency_ms ones (the MOS in its own unit, 1 to 4.5).
constexpr std::string_view kDtmfNames = "0123456789*#ABCD";

struct MediaHist {
    const char* summary;
    const char* hist;
    Histogram Histograms::*member;
};
constexpr MediaHist kMediaHists[] = {
    {"jitter_ms", "media_jitter_us", &Histograms::media_jitter_us},
    {"jitter_max_ms", "media_jitter_max_us", &Histograms::media_jitter_max_us},
    {"mos", "media_mos_milli", &Histograms::media_mos_milli},
    {"rtt_ms", "media_rtt_us", &Histograms::media_rtt_us},
    {"echo_rtt_ms", "media_echo_rtt_us", &Histograms::media_echo_rtt_us},
    {"send_late_ms", "media_send_late_us", &Histograms::media_send_late_us},
};

json media_object(const Counts& c, const Histograms& h) {
    json dtmf = json::object();
    for (size_t i = 0; i < kDtmfEvents; ++i)
        if (c.dtmf_received[i]) dtmf[std::string(1, kDtmfNames[i])] = c.dtmf_received[i];
    json m{{"streams", c.media_streams},
           {"no_rtp_calls", c.media_no_rtp_calls},
           {"packets_out", c.media_packets_out},
           {"packets_in", c.media_packets_in},
           {"bytes_out", c.media_bytes_out},
           {"bytes_in", c.media_bytes_in},
           {"expected", c.media_expected},
           {"lost", c.media_lost},
           {"loss_pct", c.media_expected ? 100.0 * static_cast<double>(c.media_lost) /
                                               static_cast<double>(c.media_expected)
                                         : 0.0},
           {"duplicates", c.media_duplicates},
           {"reordered", c.media_reordered},
           {"late_packets", c.media_late_packets},
           {"bad_packets", c.media_bad_packets},
           {"rtcp_out", c.media_rtcp_out},
           {"rtcp_in", c.media_rtcp_in},
           {"dtmf_sent", c.dtmf_sent},
           {"dtmf_received", std::move(dtmf)}};
    for (const MediaHist& mh : kMediaHists) m[mh.summary] = latency(h.*mh.member);
    return m;
}

void read_media(const json& m, const json& hist, Counts& c, Histograms& h) {
    c.media_streams = m.value("streams", uint64_t{0});
    c.media_no_rtp_calls = m.value("no_rtp_calls", uint64_t{0});
    c.media_packets_out = m.value("packets_out", uint64_t{0});
    c.media_packets_in = m.value("packets_in", uint64_t{0});
    c.media_bytes_out = m.value("bytes_out", uint64_t{0});
    c.media_bytes_in = m.value("bytes_in", uint64_t{0});
    c.media_expected = m.value("expected", uint64_t{0});
    c.media_lost = m.value("lost", uint64_t{0});
    c.media_duplicates = m.value("duplicates", uint64_t{0});
    c.media_reordered = m.value("reordered", uint64_t{0});
    c.media_late_packets = m.value("late_packets", uint64_t{0});
    c.media_bad_packets = m.value("bad_packets", uint64_t{0});
    c.media_rtcp_out = m.value("rtcp_out", uint64_t{0});
    c.media_rtcp_in = m.value("rtcp_in", uint64_t{0});
    c.dtmf_sent = m.value("dtmf_sent", uint64_t{0});
    if (auto d = m.find("dtmf_received"); d != m.end())
        for (size_t i = 0; i < kDtmfEvents; ++i)
            c.dtmf_received[i] = d->value(std::string(1, kDtmfNames[i]), uint64_t{0});
    for (const MediaHist& mh : kMediaHists)
        if (auto it = hist.find(mh.hist); it != hist.end()) h.*mh.member = it->get<Histogram>();
}

json named(std::span<const std::string_view> names, std::span<const uint64_t> values) {
    json out = json::object();
    for (size_t i = 0; i < names.size(); ++i) out[std::string(names[i])] = values[i];
    return out;
}

json by_method(const RunInfo& run, std::span<const uint64_t, kMaxMethods> values) {
    json out = json::object();
    for (size_t i = 0; i < kMaxMethods; ++i)
        if (values[i]) out[method_key(run, i)] = values[i];
    return out;
}

json by_class(std::span<const uint64_t, kResponseClasses> values) {
    json out = json::object();
    for (size_t i = 0; i < kResponseClasses; ++i) out[std::to_string(i + 1) + "xx"] = values[i];
    return out;
}

// Messages sent and received, by request method and response class: the same shape in the totals
// and in every series row, so a per-second message mix can be read like the totals.
json messages(const RunInfo& run, const Counts& c) {
    return json{
        {"in", {{"requests", by_method(run, c.requests_in)}, {"responses", by_class(c.responses_in)}}},
        {"out", {{"requests", by_method(run, c.requests_out)}, {"responses", by_class(c.responses_out)}}}};
}

json series_row(const RunInfo& run, const SeriesRow& r) {
    const Counts& c = r.counts;
    double per_s = r.interval_s > 0 ? 1.0 / r.interval_s : 0.0;
    return json{{"t", r.t_s},
                {"interval_s", r.interval_s},
                {"attempted", c.calls_attempted},
                {"succeeded", c.calls_succeeded},
                {"failed", c.calls_failed},
                {"failed_by_reason", named(kFailReasonNames, c.failed_by_reason)},
                {"cps", static_cast<double>(c.calls_attempted) * per_s},
                {"concurrent", c.concurrent_calls},
                {"retransmissions", retransmissions_total(c)},
                {"unexpected", c.unexpected_messages},
                {"parse_errors", c.parse_errors},
                {"setup_count", r.setup_count},
                {"setup_p50_ms", ms(r.setup_p50_us)},
                {"setup_p99_ms", ms(r.setup_p99_us)},
                {"setup_max_ms", ms(r.setup_max_us)},
                {"lag_max_ms", ms_from_ns(c.lag_max_interval_ns)},
                {"busy_share", busy_share(c)},
                {"rx_drops", c.rx_drops},
                {"tx_errors", c.tx_errors},
                {"connections", c.conn_current},
                {"connections_opened", c.conn_opened + c.conn_accepted},
                {"messages", messages(run, c)},
                {"media",
                 {{"live", c.media_live},
                  {"packets_in", c.media_packets_in},
                  {"packets_out", c.media_packets_out},
                  {"streams_ended", c.media_streams},
                  {"lost", c.media_lost},
                  {"expected", c.media_expected},
                  {"late_packets", c.media_late_packets},
                  {"jitter_p99_ms", ms(r.media_jitter_p99_us)},
                  {"mos_p5", static_cast<double>(r.media_mos_p5_milli) / 1000.0}}}};
}

}  // namespace

double busy_share(const Counts& c) {
    return c.loop_ns ? static_cast<double>(c.busy_ns) / static_cast<double>(c.loop_ns) : 0.0;
}

Saturation assess_saturation(const Snapshot& total, std::span<const Snapshot* const> shards,
                             const SaturationLimits& limits) {
    Saturation s;
    auto add = [&](const std::string& why) {
        s.saturated = true;
        if (!s.reason.empty()) s.reason += "; ";
        s.reason += why;
    };
    const Counts& c = total.counts;
    if (c.lag_max_ns > limits.lag_ns)
        add("schedule lag reached " + std::to_string(c.lag_max_ns / 1'000'000) + " ms (limit " +
            std::to_string(limits.lag_ns / 1'000'000) + " ms): calls started late");
    for (size_t i = 0; i < shards.size(); ++i) {
        if (!shards[i]) continue;
        double share = busy_share(shards[i]->counts);
        if (share > limits.busy_share)
            add("shard " + std::to_string(i) + " busy " +
                std::to_string(static_cast<int>(std::lround(share * 100))) + "% of the time");
    }
    // The media sender fell behind its ptime marks: the generator's jitter, not the target's.
    if (c.media_packets_out > 0 && c.media_late_packets * 100 > c.media_packets_out)
        add(std::to_string(c.media_late_packets) + " of " + std::to_string(c.media_packets_out) +
            " RTP packets sent more than 10 ms late: the media sender fell behind");
    if (c.rx_drops > limits.rx_drops)
        add(std::to_string(c.rx_drops) + " packets dropped on receive before the generator read them");
    return s;
}

json make_result(const RunInfo& run, const Snapshot& total, std::span<const Snapshot* const> shards,
                 std::span<const SeriesRow> series, const SaturationLimits& limits) {
    const Counts& c = total.counts;
    const Histograms& h = total.hist;

    json response_latency = json::object(), response_hist = json::object();
    for (size_t i = 0; i < kMaxMethods; ++i) {
        if (h.response_us[i].count() == 0) continue;
        response_latency[method_key(run, i)] = latency(h.response_us[i]);
        response_hist[method_key(run, i)] = h.response_us[i];
    }

    json timer_latency = json::object(), timer_hist = json::object(), counters = json::object();
    for (size_t i = 0; i < run.timer_names.size() && i < kScenarioTimers; ++i) {
        timer_latency[run.timer_names[i]] = latency(h.scenario_timer_us[i]);
        timer_hist[run.timer_names[i]] = h.scenario_timer_us[i];
    }
    for (size_t i = 0; i < run.counter_names.size() && i < kScenarioCounters; ++i)
        counters[run.counter_names[i]] = c.scenario_counters[i];

    json rows = json::array();
    for (const SeriesRow& r : series) rows.push_back(series_row(run, r));

    json busy = json::array(), lag_by_shard = json::array(), late_by_shard = json::array();
    for (const Snapshot* s : shards) {
        busy.push_back(s ? busy_share(s->counts) : 0.0);
        lag_by_shard.push_back(s ? ms_from_ns(s->counts.lag_max_ns) : 0.0);
        late_by_shard.push_back(s ? ms(s->hist.timer_late_us.max()) : 0.0);
    }
    Saturation sat = assess_saturation(total, shards, limits);

    json msgs = messages(run, c);
    msgs["unexpected"] = c.unexpected_messages;
    msgs["auto_answered"] = c.auto_answered;
    msgs["parse_errors"] = c.parse_errors;

    return json{
        {"schema_version", kResultSchemaVersion},
        {"tool", {{"name", "sipstorm"}, {"version", run.tool_version}}},
        {"command_line", run.command_line},
        {"scenario", run.scenario},
        {"target", run.target},
        {"started_unix_ms", run.started_unix_ms},
        {"duration_s", run.duration_s},
        {"shards", shards.size()},
        {"rate",
         {{"target", run.rate_target_cps},
          {"achieved", run.duration_s > 0 ? static_cast<double>(c.calls_attempted) / run.duration_s : 0.0}}},
        {"calls",
         {{"attempted", c.calls_attempted},
          {"succeeded", c.calls_succeeded},
          {"failed", c.calls_failed},
          {"failed_by_reason", named(kFailReasonNames, c.failed_by_reason)},
          {"concurrent_at_end", c.concurrent_calls}}},
        {"retransmissions",
         {{"total", retransmissions_total(c)}, {"by_type", named(kRetransKindNames, c.retransmissions)}}},
        {"messages", std::move(msgs)},
        {"latency_ms",
         {{"setup", latency(h.setup_us)},
          {"call", latency(h.call_us)},
          {"response", response_latency},
          {"connect", latency(h.connect_us)},
          {"handshake", latency(h.handshake_us)},
          {"timers", std::move(timer_latency)}}},
        {"histograms",
         {{"setup_us", h.setup_us},
          {"call_us", h.call_us},
          {"response_us", response_hist},
          {"connect_us", h.connect_us},
          {"handshake_us", h.handshake_us},
          {"media_jitter_us", h.media_jitter_us},
          {"media_jitter_max_us", h.media_jitter_max_us},
          {"media_mos_milli", h.media_mos_milli},
          {"media_rtt_us", h.media_rtt_us},
          {"media_echo_rtt_us", h.media_echo_rtt_us},
          {"media_send_late_us", h.media_send_late_us},
          {"timer_late_us", h.timer_late_us},
          {"timer_us", std::move(timer_hist)}}},
        {"counters", std::move(counters)},
        {"media", media_object(c, h)},
        {"connections",
         {{"opened", c.conn_opened},
          {"accepted", c.conn_accepted},
          {"closed", c.conn_closed},
          {"open_at_end", c.conn_current},
          {"peak", c.conn_peak},
          {"reconnects", c.conn_reconnects},
          {"tls_resumed", c.tls_resumed},
          {"keepalives_sent", c.keepalives_sent},
          {"keepalive_pongs", c.keepalive_pongs},
          {"keepalives_answered", c.keepalives_answered},
          {"failed",
           [&] {
               uint64_t n = 0;
               for (uint64_t v : c.conn_failed) n += v;
               return n;
           }()},
          {"failed_by_reason", named(kConnFailReasonNames, c.conn_failed)},
          {"bytes_in", c.bytes_in},
          {"bytes_out", c.bytes_out}}},
        {"series", std::move(rows)},
        {"generator",
         {{"lag_ms_max", ms_from_ns(c.lag_max_ns)},
          {"lag_ms_max_by_shard", std::move(lag_by_shard)},
          {"busy_share", std::move(busy)},
          {"timer_late_count", h.timer_late_us.count()},
          {"timer_late_ms_p50", ms(h.timer_late_us.percentile(50))},
          {"timer_late_ms_p99", ms(h.timer_late_us.percentile(99))},
          {"timer_late_ms_max", ms(h.timer_late_us.max())},
          {"timer_late_ms_max_by_shard", std::move(late_by_shard)},
          {"rx_drops", c.rx_drops},
          {"tx_errors", c.tx_errors},
          {"saturated", sat.saturated},
          {"saturation_reason", sat.reason},
          {"limits",
           {{"lag_ms", ms_from_ns(limits.lag_ns)},
            {"busy_share", limits.busy_share},
            {"rx_drops", limits.rx_drops}}}}},
    };
}

void snapshot_from_result(const json& result, const RunInfo& names, Snapshot& out) {
    out = Snapshot();
    out.sources = 1;
    Counts& c = out.counts;
    const json& calls = result.at("calls");
    c.calls_attempted = calls.at("attempted").get<uint64_t>();
    c.calls_succeeded = calls.at("succeeded").get<uint64_t>();
    c.calls_failed = calls.at("failed").get<uint64_t>();
    c.concurrent_calls = calls.value("concurrent_at_end", uint64_t{0});
    for (size_t i = 0; i < kFailReasons; ++i)
        c.failed_by_reason[i] =
            calls.at("failed_by_reason").value(std::string(kFailReasonNames[i]), uint64_t{0});
    const json& retrans = result.at("retransmissions").at("by_type");
    for (size_t i = 0; i < kRetransKinds; ++i)
        c.retransmissions[i] = retrans.value(std::string(kRetransKindNames[i]), uint64_t{0});

    const json& msgs = result.at("messages");
    auto read_dir = [&](const json& dir, std::array<uint64_t, kMaxMethods>& req,
                        std::array<uint64_t, kResponseClasses>& resp) {
        for (size_t i = 0; i < kMaxMethods; ++i)
            req[i] = dir.at("requests").value(method_key(names, i), uint64_t{0});
        for (size_t i = 0; i < kResponseClasses; ++i)
            resp[i] = dir.at("responses").value(std::to_string(i + 1) + "xx", uint64_t{0});
    };
    read_dir(msgs.at("in"), c.requests_in, c.responses_in);
    read_dir(msgs.at("out"), c.requests_out, c.responses_out);
    c.unexpected_messages = msgs.value("unexpected", uint64_t{0});
    c.auto_answered = msgs.value("auto_answered", uint64_t{0});
    c.parse_errors = msgs.value("parse_errors", uint64_t{0});

    const json& gen = result.at("generator");
    c.lag_max_ns = static_cast<uint64_t>(std::llround(gen.at("lag_ms_max").get<double>() * 1e6));
    c.rx_drops = gen.value("rx_drops", uint64_t{0});
    c.tx_errors = gen.value("tx_errors", uint64_t{0});

    const json& hist = result.at("histograms");
    out.hist.setup_us = hist.at("setup_us").get<Histogram>();
    out.hist.call_us = hist.at("call_us").get<Histogram>();
    if (auto it = hist.find("timer_late_us"); it != hist.end()) out.hist.timer_late_us = it->get<Histogram>();
    if (auto it = hist.find("connect_us"); it != hist.end()) out.hist.connect_us = it->get<Histogram>();
    if (auto it = hist.find("handshake_us"); it != hist.end()) out.hist.handshake_us = it->get<Histogram>();
    if (auto it = result.find("connections"); it != result.end()) {
        const json& cj = *it;
        c.conn_opened = cj.value("opened", uint64_t{0});
        c.conn_accepted = cj.value("accepted", uint64_t{0});
        c.conn_closed = cj.value("closed", uint64_t{0});
        c.conn_current = cj.value("open_at_end", uint64_t{0});
        c.conn_peak = cj.value("peak", uint64_t{0});
        c.conn_reconnects = cj.value("reconnects", uint64_t{0});
        c.tls_resumed = cj.value("tls_resumed", uint64_t{0});
        c.keepalives_sent = cj.value("keepalives_sent", uint64_t{0});
        c.keepalive_pongs = cj.value("keepalive_pongs", uint64_t{0});
        c.keepalives_answered = cj.value("keepalives_answered", uint64_t{0});
        c.bytes_in = cj.value("bytes_in", uint64_t{0});
        c.bytes_out = cj.value("bytes_out", uint64_t{0});
        if (auto f = cj.find("failed_by_reason"); f != cj.end())
            for (size_t i = 0; i < kConnFailReasons; ++i)
                c.conn_failed[i] = f->value(std::string(kConnFailReasonNames[i]), uint64_t{0});
    }
    if (auto it = result.find("media"); it != result.end()) read_media(*it, hist, c, out.hist);
    if (auto it = hist.find("timer_us"); it != hist.end())
        for (size_t i = 0; i < names.timer_names.size() && i < kScenarioTimers; ++i)
            if (auto t = it->find(names.timer_names[i]); t != it->end())
                out.hist.scenario_timer_us[i] = t->get<Histogram>();
    if (auto it = result.find("counters"); it != result.end())
        for (size_t i = 0; i < names.counter_names.size() && i < kScenarioCounters; ++i)
            c.scenario_counters[i] = it->value(names.counter_names[i], uint64_t{0});
    const json& resp = hist.at("response_us");
    for (size_t i = 0; i < kMaxMethods; ++i) {
        auto it = resp.find(method_key(names, i));
        if (it != resp.end()) out.hist.response_us[i] = it->get<Histogram>();
    }
}

}  // namespace sipstorm::stats
