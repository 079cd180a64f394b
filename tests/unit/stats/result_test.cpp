#include "stats/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace sipstorm::stats {
namespace {

constexpr uint64_t kMs = 1'000'000;

std::unique_ptr<Snapshot> healthy_shard(uint64_t attempted) {
    auto s = std::make_unique<Snapshot>();
    s->sources = 1;
    Counts& c = s->counts;
    c.calls_attempted = attempted;
    c.calls_succeeded = attempted - 2;
    c.calls_failed = 2;
    c.failed_by_reason[static_cast<size_t>(FailReason::kTimeout)] = 1;
    c.failed_by_reason[static_cast<size_t>(FailReason::k5xx)] = 1;
    c.retransmissions[static_cast<size_t>(RetransKind::kInvite)] = 3;
    c.retransmissions[static_cast<size_t>(RetransKind::k2xx)] = 1;
    c.requests_out[1] = attempted;
    c.responses_in[1] = attempted - 2;
    c.lag_max_ns = 2 * kMs;
    c.busy_ns = 30;
    c.loop_ns = 100;
    for (uint64_t i = 1; i <= attempted; ++i) {
        s->hist.setup_us.record(i * 100);
        s->hist.response_us[1].record(i * 100);
    }
    return s;
}

RunInfo run_info() {
    RunInfo run;
    run.tool_version = "0.1.0";
    run.command_line = "sipstorm run uac.lua --rate 100";
    run.scenario = "uac.lua";
    run.target = "127.0.0.1:5060";
    run.duration_s = 10;
    run.rate_target_cps = 100;
    run.method_names[1] = "INVITE";
    return run;
}

TEST(Result, ContainsTheAgreedFields) {
    auto a = healthy_shard(500), b = healthy_shard(500);
    const Snapshot* shards[] = {a.get(), b.get()};
    auto total = merge(shards);
    SeriesRow row;
    row.t_s = 1;
    row.interval_s = 1;
    row.counts.calls_attempted = 100;
    SeriesRow rows[] = {row};
    nlohmann::json j = make_result(run_info(), *total, shards, rows);

    EXPECT_EQ(j["tool"]["version"], "0.1.0");
    EXPECT_EQ(j["calls"]["attempted"], 1000);
    EXPECT_EQ(j["calls"]["succeeded"], 996);
    EXPECT_EQ(j["calls"]["failed"], 4);
    EXPECT_EQ(j["calls"]["failed_by_reason"]["timeout"], 2);
    EXPECT_EQ(j["calls"]["failed_by_reason"]["5xx"], 2);
    EXPECT_EQ(j["calls"]["failed_by_reason"]["aborted"], 0);
    EXPECT_EQ(j["retransmissions"]["total"], 8);
    EXPECT_EQ(j["retransmissions"]["by_type"]["invite"], 6);
    EXPECT_EQ(j["duration_s"], 10.0);
    EXPECT_EQ(j["rate"]["target"], 100.0);
    EXPECT_EQ(j["rate"]["achieved"], 100.0);
    EXPECT_EQ(j["shards"], 2);
    EXPECT_NEAR(j["latency_ms"]["setup"]["p50"].get<double>(), 25.0, 0.25);
    EXPECT_NEAR(j["latency_ms"]["setup"]["p90"].get<double>(), 45.0, 0.45);
    EXPECT_NEAR(j["latency_ms"]["setup"]["p99"].get<double>(), 49.5, 0.5);
    EXPECT_EQ(j["latency_ms"]["setup"]["max"], 50.0);
    EXPECT_TRUE(j["latency_ms"]["response"].contains("INVITE"));
    EXPECT_EQ(j["messages"]["out"]["requests"]["INVITE"], 1000);
    EXPECT_EQ(j["messages"]["in"]["responses"]["2xx"], 996);
    EXPECT_EQ(j["histograms"]["setup_us"].get<Histogram>(), total->hist.setup_us);
    EXPECT_EQ(j["histograms"]["response_us"]["INVITE"].get<Histogram>(), total->hist.response_us[1]);
    ASSERT_EQ(j["series"].size(), 1u);
    EXPECT_EQ(j["series"][0]["attempted"], 100);
    EXPECT_EQ(j["series"][0]["cps"], 100.0);
    EXPECT_EQ(j["generator"]["lag_ms_max"], 2.0);
    EXPECT_EQ(j["generator"]["busy_share"], nlohmann::json::array({0.3, 0.3}));
    EXPECT_FALSE(j["generator"]["saturated"].get<bool>());
    EXPECT_EQ(j["generator"]["saturation_reason"], "");
}

TEST(Result, UnnamedMethodsGetAnIndexKey) {
    auto a = healthy_shard(10);
    a->counts.requests_in[13] = 4;
    const Snapshot* shards[] = {a.get()};
    RunInfo run = run_info();
    run.method_names = {};
    nlohmann::json j = make_result(run, *a, shards, {});
    EXPECT_EQ(j["messages"]["in"]["requests"]["method_13"], 4);
    EXPECT_EQ(j["messages"]["out"]["requests"]["method_1"], 10);
    EXPECT_TRUE(j["series"].empty());
}

TEST(Result, SaturationByLag) {
    auto a = healthy_shard(10);
    a->counts.lag_max_ns = 250 * kMs;
    const Snapshot* shards[] = {a.get()};
    Saturation s = assess_saturation(*a, shards);
    EXPECT_TRUE(s.saturated);
    EXPECT_NE(s.reason.find("lag"), std::string::npos);
}

TEST(Result, SaturationByBusyShareNamesTheShard) {
    auto a = healthy_shard(10), b = healthy_shard(10);
    b->counts.busy_ns = 99;
    const Snapshot* shards[] = {a.get(), b.get()};
    auto total = merge(shards);
    Saturation s = assess_saturation(*total, shards);
    EXPECT_TRUE(s.saturated);
    EXPECT_NE(s.reason.find("shard 1 busy 99%"), std::string::npos) << s.reason;
}

TEST(Result, SaturationByRxDropsAndSeveralReasons) {
    auto a = healthy_shard(10);
    a->counts.rx_drops = 3;
    a->counts.lag_max_ns = 101 * kMs;
    const Snapshot* shards[] = {a.get()};
    Saturation s = assess_saturation(*a, shards);
    EXPECT_TRUE(s.saturated);
    EXPECT_NE(s.reason.find("3 packets dropped"), std::string::npos);
    EXPECT_NE(s.reason.find("; "), std::string::npos);
    // TX errors alone are not the generator's saturation.
    auto b = healthy_shard(10);
    b->counts.tx_errors = 50;
    const Snapshot* only_b[] = {b.get()};
    EXPECT_FALSE(assess_saturation(*b, only_b).saturated);
}

TEST(Result, CustomLimits) {
    auto a = healthy_shard(10);
    const Snapshot* shards[] = {a.get()};
    SaturationLimits strict;
    strict.lag_ns = 1 * kMs;
    EXPECT_TRUE(assess_saturation(*a, shards, strict).saturated);
}

// Results of several machines merge exactly: write, read back, merge, compare with the direct merge.
TEST(Result, TimerLatenessUnderGenerator) {
    auto a = healthy_shard(10), b = healthy_shard(10);
    for (int i = 0; i < 99; ++i) a->hist.timer_late_us.record(0);
    a->hist.timer_late_us.record(40);
    b->hist.timer_late_us.record(1'500);
    const Snapshot* shards[] = {a.get(), b.get()};
    auto total = merge(shards);
    nlohmann::json g = make_result(run_info(), *total, shards, {})["generator"];
    EXPECT_EQ(g["timer_late_count"], 101);
    EXPECT_DOUBLE_EQ(g["timer_late_ms_p50"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(g["timer_late_ms_p99"].get<double>(), 0.04);
    EXPECT_DOUBLE_EQ(g["timer_late_ms_max"].get<double>(), 1.5);
    EXPECT_EQ(g["timer_late_ms_max_by_shard"], nlohmann::json::parse("[0.04, 1.5]"));
}

TEST(Result, ReadBackAndMergeAcrossMachines) {
    auto m1 = healthy_shard(300), m2 = healthy_shard(700);
    m1->hist.timer_late_us.record(12);
    m2->hist.timer_late_us.record(345);
    m1->counts.requests_in[13] = 2;
    m1->counts.rx_drops = 1;
    m2->counts.lag_max_ns = 2'345'678;
    m2->counts.unexpected_messages = 5;
    m2->hist.call_us.record(90'000'000);
    RunInfo run = run_info();
    const Snapshot* one[] = {m1.get()};
    const Snapshot* two[] = {m2.get()};
    nlohmann::json r1 = nlohmann::json::parse(make_result(run, *m1, one, {}).dump());
    nlohmann::json r2 = nlohmann::json::parse(make_result(run, *m2, two, {}).dump());

    auto back1 = std::make_unique<Snapshot>(), back2 = std::make_unique<Snapshot>();
    snapshot_from_result(r1, run, *back1);
    snapshot_from_result(r2, run, *back2);
    const Snapshot* read[] = {back1.get(), back2.get()};
    const Snapshot* direct[] = {m1.get(), m2.get()};
    auto merged = merge(read), expect = merge(direct);

    Counts want = expect->counts;
    want.busy_ns = want.loop_ns = 0;  // not in the result file
    EXPECT_EQ(merged->counts.calls_attempted, 1000u);
    EXPECT_EQ(merged->counts.requests_in[13], 2u);
    EXPECT_EQ(merged->counts.lag_max_ns, 2'345'678u);
    bool same = true;
    for_each_field(merged->counts, want, [&](uint64_t& a, uint64_t& b, Combine) { same &= a == b; });
    EXPECT_TRUE(same);
    EXPECT_EQ(merged->hist.setup_us, expect->hist.setup_us);
    EXPECT_EQ(merged->hist.call_us, expect->hist.call_us);
    EXPECT_EQ(merged->hist.response_us[1], expect->hist.response_us[1]);
    EXPECT_EQ(merged->hist.timer_late_us, expect->hist.timer_late_us);
    EXPECT_EQ(merged->sources, 2u);
}

}  // namespace
}  // namespace sipstorm::stats
