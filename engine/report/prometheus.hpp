// The live figures of a run in the Prometheus text exposition format (version 0.0.4), for
// `--metrics HOST:PORT` on run and serve. Built from the same snapshots the reporter reads (the merged
// total and each shard's newest), so a scrape costs the shards nothing.
//
// Latency histograms fold our log-linear buckets (stats/histogram.hpp) into the fixed `le` bounds of
// kLatencyBounds: a bucket counts under the first bound at or above its upper edge, so a bound's
// count is never more than the values at or below it (it may leave out values within 0.4% below it).
// The media histograms fold the same way into their own bounds (kMediaTimeBounds, kMosBounds).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "stats/counters.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::report {

// Upper bounds of the latency buckets, seconds (+Inf follows).
inline constexpr std::array<double, 17> kLatencyBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
// RTP jitter and send lateness, seconds: finer at the low end, where a healthy stream is.
inline constexpr std::array<double, 14> kMediaTimeBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1};
// The E-model MOS of a stream (1 to 4.5), finer where G.711 on a good network lands (4.1 to 4.4).
inline constexpr std::array<double, 13> kMosBounds = {1, 1.5, 2,   2.5, 3,   3.5, 3.8,
                                                      4, 4.1, 4.2, 4.3, 4.4, 4.5};

struct PrometheusInfo {
    std::string version;                        // sipstorm's
    std::string command;                        // "run" or "serve"
    std::string scenario;                       // as given
    uint32_t shard_index = 0, shard_total = 1;  // run --shard-of I/N (0/1 otherwise)
    double target_cps = 0;                      // this process's share; 0 when not rate-driven
    uint64_t started_unix_ms = 0;
    std::array<std::string, stats::kMaxMethods> method_names;  // by sip::Method index; "" = unnamed
    uint64_t series_rows = 0, series_bytes = 0;  // the per-second series held for the result file
};

// The whole exposition: calls, failures by reason, live calls, retransmissions by type, messages by
// method and class, setup / call / response-time histograms, and per shard the generator's lag, busy
// and loop time, plus saturation (0/1); then the TCP/TLS connection and the RTP media figures
// (report/prometheus_streams.cpp). `shards` are the shards' newest snapshots, in shard order.
std::string prometheus_text(const PrometheusInfo& info, const stats::Snapshot& total,
                            std::span<const stats::Snapshot* const> shards, double elapsed_s);

}  // namespace sipstorm::report
