// Gates, CSV and compare on the output of the real producer, stats::make_result: the metric paths
// in report/metrics.cpp must match what a run writes.
#include <gtest/gtest.h>

#include <memory>

#include "report/compare.hpp"
#include "report/csv.hpp"
#include "report/gate.hpp"
#include "stats/result.hpp"

namespace sipstorm::report {
namespace {

nlohmann::json real_result() {
    auto shard = std::make_unique<stats::Snapshot>();
    shard->sources = 1;
    stats::Counts& c = shard->counts;
    c.calls_attempted = 100;
    c.calls_succeeded = 97;
    c.calls_failed = 3;
    c.failed_by_reason[static_cast<size_t>(stats::FailReason::kTimeout)] = 2;
    c.failed_by_reason[static_cast<size_t>(stats::FailReason::k4xx)] = 1;
    c.retransmissions[static_cast<size_t>(stats::RetransKind::kBye)] = 5;
    c.requests_out[1] = 100;
    c.responses_in[1] = 97;
    c.unexpected_messages = 4;
    c.lag_max_ns = 7'000'000;
    c.rx_drops = 0;
    for (uint64_t i = 1; i <= 100; ++i) {
        shard->hist.setup_us.record(i * 1000);
        shard->hist.call_us.record(i * 2000);
        shard->hist.response_us[1].record(i * 10);
    }
    stats::RunInfo run;
    run.tool_version = "0.1.0";
    run.scenario = "uac.lua";
    run.duration_s = 2;
    run.rate_target_cps = 50;
    run.method_names[1] = "INVITE";
    stats::SeriesRow row;
    row.t_s = 1;
    row.interval_s = 1;
    row.counts = c;
    stats::SeriesRow rows[] = {row, row};
    const stats::Snapshot* shards[] = {shard.get()};
    return stats::make_result(run, *shard, shards, rows);
}

TEST(RealResult, SchemaVersionAndPerSecondMessages) {
    nlohmann::json j = real_result();
    EXPECT_EQ(j["schema_version"], stats::kResultSchemaVersion);
    EXPECT_EQ(j["schema_version"], 1);
    EXPECT_EQ(j["series"][0]["messages"]["out"]["requests"]["INVITE"], 100);
    EXPECT_EQ(j["series"][0]["messages"]["in"]["responses"]["2xx"], 97);
    EXPECT_EQ(j["messages"]["out"]["requests"]["INVITE"], 100);  // the totals keep their shape
    EXPECT_EQ(j["messages"]["unexpected"], 4);
}

TEST(RealResult, EveryMetricResolves) {
    nlohmann::json j = real_result();
    struct Case {
        const char* gate;
        double value;
    };
    for (const Case& k : std::initializer_list<Case>{{"failed_calls == 3", 3},
                                                     {"succeeded_calls == 97", 97},
                                                     {"attempted_calls == 100", 100},
                                                     {"achieved_cps == 50", 50},
                                                     {"target_cps == 50", 50},
                                                     {"retransmissions == 5", 5},
                                                     {"retransmissions(bye) == 5", 5},
                                                     {"duration_s == 2", 2},
                                                     {"unexpected == 4", 4},
                                                     {"parse_errors == 0", 0},
                                                     {"lag_ms_max == 7", 7},
                                                     {"rx_drops == 0", 0},
                                                     {"tx_errors == 0", 0},
                                                     {"saturated == 0", 0},
                                                     {"failed(timeout) == 2", 2},
                                                     {"failed(4xx) == 1", 1},
                                                     {"failed(aborted) == 0", 0},
                                                     {"max(setup_ms) == 100", 100},
                                                     {"max(call_ms) == 200", 200},
                                                     {"max(response_ms.INVITE) == 1", 1}}) {
        Gate g;
        std::string error;
        ASSERT_TRUE(parse_gate(k.gate, g, error)) << error;
        GateResult r = evaluate(g, j);
        EXPECT_TRUE(r.pass) << k.gate << ": " << r.explanation;
        EXPECT_DOUBLE_EQ(r.lhs, k.value) << k.gate;
    }
    Gate g;
    std::string error;
    ASSERT_TRUE(parse_gate("p50(setup_ms) < 51 and p99(setup_ms) > 98 and p90(call_ms) > 170", g, error));
    EXPECT_TRUE(evaluate(g, j).pass) << evaluate(g, j).explanation;
}

TEST(RealResult, CsvAndCompare) {
    nlohmann::json j = real_result();
    std::string csv = series_csv(j);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
    EXPECT_NE(csv.find("out_INVITE"), std::string::npos);
    Comparison c;
    std::string error;
    ASSERT_TRUE(compare_results(j, j, {}, c, error)) << error;
    EXPECT_FALSE(c.regression);
    for (const CompareRow& r : c.rows) EXPECT_EQ(r.verdict, Verdict::kOk) << r.metric;
}

}  // namespace
}  // namespace sipstorm::report
