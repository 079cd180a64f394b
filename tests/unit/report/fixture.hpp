// A small result file with known figures, shaped like stats::make_result's output, for the report
// tests: 1000 calls attempted, 990 succeeded, 10 failed (7 timeout, 3 5xx), 4 retransmissions, setup
// times of 1..1000 ms in latency_ms and as a histogram, INVITE responses.
#pragma once
#include <nlohmann/json.hpp>

#include "stats/histogram.hpp"

namespace sipstorm::report::test {

inline nlohmann::json fixture_result() {
    stats::Histogram setup, call;
    for (uint64_t ms = 1; ms <= 1000; ++ms) setup.record(ms * 1000);
    for (uint64_t s = 1; s <= 10; ++s) call.record(s * 1'000'000);
    nlohmann::json series = nlohmann::json::array();
    for (int t = 1; t <= 3; ++t)
        series.push_back(
            {{"t", t},
             {"interval_s", 1.0},
             {"attempted", 100},
             {"succeeded", 99},
             {"failed", 1},
             {"failed_by_reason", {{"timeout", 1}, {"5xx", 0}}},
             {"cps", 100.0},
             {"concurrent", 5},
             {"retransmissions", 0},
             {"unexpected", 0},
             {"parse_errors", 0},
             {"setup_count", 99},
             {"setup_p50_ms", 0.25},
             {"setup_p99_ms", 1.5},
             {"setup_max_ms", 2.0},
             {"lag_max_ms", 0.1},
             {"busy_share", 0.05},
             {"rx_drops", 0},
             {"tx_errors", 0},
             {"messages",
              {{"in", {{"requests", nlohmann::json::object()}, {"responses", {{"1xx", 200}, {"2xx", 200}}}}},
               {"out",
                {{"requests", {{"INVITE", 100}, {"BYE", 99}, {"ACK", 99}}}, {"responses", {{"2xx", 0}}}}}}}});
    return {
        {"schema_version", 1},
        {"tool", {{"name", "sipstorm"}, {"version", "0.1.0"}}},
        {"command_line", "sipstorm run basic_call.lua --rate 100"},
        {"scenario", "basic_call.lua"},
        {"target", "127.0.0.1:5060"},
        {"started_unix_ms", 1700000000000ull},
        {"duration_s", 10.0},
        {"rate", {{"target", 100.0}, {"achieved", 99.5}}},
        {"calls",
         {{"attempted", 1000},
          {"succeeded", 990},
          {"failed", 10},
          {"failed_by_reason", {{"timeout", 7}, {"5xx", 3}, {"4xx", 0}}},
          {"failed_by_detail", {{"timeout (Timer B)", 7}, {"unexpected 503 response", 3}}}}},
        {"retransmissions", {{"total", 4}, {"by_type", {{"invite", 3}, {"bye", 1}}}}},
        {"messages", {{"unexpected", 2}, {"parse_errors", 0}}},
        {"latency_ms",
         {{"setup",
           {{"count", 1000},
            {"p50", 500.0},
            {"p90", 900.0},
            {"p99", 990.0},
            {"p999", 999.0},
            {"max", 1000.0},
            {"mean", 500.5}}},
          {"call",
           {{"count", 10},
            {"p50", 5000.0},
            {"p90", 9000.0},
            {"p99", 10000.0},
            {"p999", 10000.0},
            {"max", 10000.0},
            {"mean", 5500.0}}},
          {"response",
           {{"INVITE",
             {{"count", 1000},
              {"p50", 2.0},
              {"p90", 3.0},
              {"p99", 4.0},
              {"p999", 4.5},
              {"max", 5.0},
              {"mean", 2.1}}},
            {"BYE", {{"count", 0}, {"p50", 0.0}, {"p99", 0.0}}}}}}},
        {"histograms", {{"setup_us", setup}, {"call_us", call}, {"response_us", nlohmann::json::object()}}},
        {"series", std::move(series)},
        {"generator",
         {{"lag_ms_max", 1.5},
          {"timer_late_ms_p99", 0.04},
          {"timer_late_ms_max", 0.9},
          {"rx_drops", 0},
          {"tx_errors", 0},
          {"saturated", false},
          {"saturation_reason", ""}}},
    };
}

}  // namespace sipstorm::report::test
