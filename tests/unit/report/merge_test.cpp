// sipstorm merge: result files of the shards of one run add up to what one run of the whole would
// have written (histograms bucket by bucket), the series aligns by wall-clock second, generator
// health stays per node, and inputs that don't belong together are refused.
#include "report/merge.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "stats/result.hpp"
#include "stats/snapshot.hpp"

namespace sipstorm::report {
namespace {

using nlohmann::json;
using stats::Histogram;
using stats::Snapshot;

stats::RunInfo names() {
    stats::RunInfo run;
    run.tool_version = "0.1.0";
    run.command_line = "sipstorm merge a.json b.json -o m.json";
    run.method_names[1] = "INVITE";
    run.method_names[2] = "ACK";
    run.method_names[3] = "BYE";
    return run;
}

// One shard's result file: `calls` calls started at `start_ms`, their setup times given, one series
// row per second with `calls / seconds` calls each.
json shard_result(const std::vector<uint64_t>& setup_us, uint64_t start_ms, int index, int total,
                  int seconds = 3) {
    auto s = std::make_unique<Snapshot>();
    const uint64_t calls = setup_us.size();
    s->counts.calls_attempted = calls;
    s->counts.calls_succeeded = calls;
    s->counts.requests_out[1] = calls;
    s->counts.responses_in[1] = calls;
    s->counts.retransmissions[0] = 1;
    s->counts.lag_max_ns = 1'000'000ull * (index + 1);
    s->counts.loop_ns = 1000;
    s->counts.busy_ns = 100;
    for (uint64_t us : setup_us) {
        s->hist.setup_us.record(us);
        s->hist.response_us[1].record(us);
    }
    std::vector<stats::SeriesRow> rows;
    for (int t = 1; t <= seconds; ++t) {
        stats::SeriesRow r;
        r.t_s = t;
        r.interval_s = 1;
        r.counts.calls_attempted = calls / seconds + (t == seconds ? calls % seconds : 0);
        r.counts.concurrent_calls = 10;
        r.counts.loop_ns = 1000;
        r.counts.busy_ns = 100;
        r.setup_count = r.counts.calls_attempted;
        r.setup_p50_us = 1000;
        r.setup_p99_us = 2000 + 1000 * index;
        rows.push_back(r);
    }
    stats::RunInfo run = names();
    run.scenario = "/somewhere/basic_call.lua";
    run.target = "10.0.0.1:5060";
    run.started_unix_ms = start_ms;
    run.duration_s = seconds;
    run.rate_target_cps = 50;
    const Snapshot* shards[] = {s.get()};
    json r = json::parse(stats::make_result(run, *s, shards, rows).dump());
    r["shard_of"] = {{"index", index}, {"total", total}};
    r["rate"]["load_duration_s"] = seconds;
    return r;
}

std::vector<uint64_t> samples(uint64_t seed, size_t n) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> d(8.0, 1.5);  // a few hundred µs to seconds
    std::vector<uint64_t> v;
    for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint64_t>(d(rng)));
    return v;
}

bool merge(std::vector<MergeInput> in, MergeOutput& out, std::string& error) {
    return merge_results(in, names(), out, error);
}

TEST(Merge, HistogramsEqualOneRunOfAllSamples) {
    const auto a = samples(1, 5000), b = samples(2, 3000);
    MergeOutput out;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", shard_result(a, 1'700'000'000'000, 0, 2)},
                       {"b.json", shard_result(b, 1'700'000'000'000, 1, 2)}},
                      out, error))
        << error;
    Histogram all;
    for (uint64_t us : a) all.record(us);
    for (uint64_t us : b) all.record(us);
    const json& r = out.result;
    EXPECT_EQ(r["histograms"]["setup_us"].get<Histogram>(), all);
    EXPECT_EQ(r["histograms"]["response_us"]["INVITE"].get<Histogram>(), all);
    for (auto [key, p] : {std::pair{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p999", 99.9}})
        EXPECT_DOUBLE_EQ(r["latency_ms"]["setup"][key].get<double>(),
                         static_cast<double>(all.percentile(p)) / 1000.0)
            << key;
    EXPECT_EQ(r["calls"]["attempted"], 8000);
    EXPECT_EQ(r["calls"]["succeeded"], 8000);
    EXPECT_EQ(r["retransmissions"]["total"], 2);
    EXPECT_EQ(r["messages"]["out"]["requests"]["INVITE"], 8000);
    EXPECT_DOUBLE_EQ(r["rate"]["target"].get<double>(), 100);
    EXPECT_DOUBLE_EQ(r["generator"]["lag_ms_max"].get<double>(), 2.0);
    EXPECT_EQ(r["shards"], 2);
    EXPECT_EQ(r["generator"]["busy_share"].size(), 2u);
    EXPECT_EQ(r["generator"]["nodes"].size(), 2u);
    EXPECT_FALSE(r["generator"]["saturated"].get<bool>());
    EXPECT_TRUE(out.warnings.empty());
    EXPECT_FALSE(r.contains("shard_of"));
    EXPECT_EQ(r["merge"]["shards_total"], 2);
}

TEST(Merge, SeriesAlignsByWallClockSecond) {
    // b started 400 ms after a: its rows end at 1.4, 2.4, 3.4 s of the merged run.
    MergeOutput out;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", shard_result(samples(1, 300), 1'700'000'000'000, 0, 2)},
                       {"b.json", shard_result(samples(2, 600), 1'700'000'000'400, 1, 2)}},
                      out, error))
        << error;
    const json& rows = out.result["series"];
    ASSERT_EQ(rows.size(), 4u);
    std::vector<uint64_t> attempted;
    uint64_t sum = 0;
    for (const json& row : rows) {
        attempted.push_back(row["attempted"].get<uint64_t>());
        sum += row["attempted"].get<uint64_t>();
    }
    EXPECT_EQ(attempted, (std::vector<uint64_t>{100, 300, 300, 200}));
    EXPECT_EQ(sum, out.result["calls"]["attempted"].get<uint64_t>());
    EXPECT_DOUBLE_EQ(rows[0]["t"].get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(rows[3]["t"].get<double>(), 3.4);
    EXPECT_NEAR(rows[3]["interval_s"].get<double>(), 0.4, 1e-9);
    EXPECT_EQ(rows[0]["concurrent"], 10);                          // only a
    EXPECT_EQ(rows[1]["concurrent"], 20);                          // both: levels add
    EXPECT_DOUBLE_EQ(rows[1]["setup_p99_ms"].get<double>(), 3.0);  // the larger of the nodes'
    EXPECT_DOUBLE_EQ(out.result["duration_s"].get<double>(), 3.4);
    EXPECT_NEAR(out.result["rate"]["achieved"].get<double>(), 900 / 3.4, 1e-9);
}

TEST(Merge, ASaturatedNodeMakesTheMergeSaturatedAndIsNamed) {
    json b = shard_result(samples(2, 100), 1'700'000'000'000, 1, 2);
    b["generator"]["saturated"] = true;
    b["generator"]["saturation_reason"] = "shard 0 busy 99% of the time";
    MergeOutput out;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", shard_result(samples(1, 100), 1'700'000'000'000, 0, 2)}, {"b.json", b}},
                      out, error));
    const json& g = out.result["generator"];
    EXPECT_TRUE(g["saturated"].get<bool>());
    EXPECT_EQ(g["saturation_reason"], "node 1/2 (b.json): shard 0 busy 99% of the time");
    EXPECT_FALSE(g["nodes"][0]["saturated"].get<bool>());
    EXPECT_TRUE(g["nodes"][1]["saturated"].get<bool>());
}

TEST(Merge, MissingShardsAreAWarning) {
    MergeOutput out;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", shard_result(samples(1, 100), 1'700'000'000'000, 0, 3)}}, out, error));
    ASSERT_EQ(out.warnings.size(), 1u);
    EXPECT_EQ(out.warnings[0], "shards missing from the merge: 1, 2 of 3");
}

TEST(Merge, RefusesInputsThatDoNotBelongTogether) {
    const json a = shard_result(samples(1, 100), 1'700'000'000'000, 0, 2);
    const json b = shard_result(samples(2, 100), 1'700'000'000'000, 1, 2);
    auto refused = [&](json other, const std::string& why) {
        MergeOutput out;
        std::string error;
        EXPECT_FALSE(merge({{"a.json", a}, {"x.json", std::move(other)}}, out, error)) << why;
        EXPECT_NE(error.find(why), std::string::npos) << error;
    };
    json x = b;
    x["scenario"] = "register.lua";
    refused(x, "different scenarios");
    x = b;
    x["schema_version"] = 2;
    refused(x, "newer than this sipstorm knows");
    x = b;
    x.erase("schema_version");  // reads as version 1: still mergeable, so make a has a different one
    {
        json a2 = a;
        a2["schema_version"] = 0;
        MergeOutput out;
        std::string error;
        EXPECT_FALSE(merge({{"a.json", a2}, {"x.json", x}}, out, error));
        EXPECT_NE(error.find("different schema versions"), std::string::npos) << error;
    }
    refused(a, "comes twice");
    x = b;
    x["shard_of"]["total"] = 3;
    refused(x, "not shards of one run");
    x = b;
    x.erase("shard_of");
    refused(x, "merge the shards of one run, or whole runs");
    refused(json{{"hello", 1}}, "not a sipstorm result file");
    x = b;
    x["histograms"]["setup_us"]["sub_bucket_bits"] = 5;
    refused(x, "x.json");
}

TEST(Merge, AMergeMergesAgainWithItsNodesKept) {
    // Shards 0 and 1 of 3 merged first, then with shard 2: the same as all three at once.
    const json a = shard_result(samples(1, 200), 1'700'000'000'000, 0, 3);
    const json b = shard_result(samples(2, 300), 1'700'000'000'000, 1, 3);
    json c = shard_result(samples(3, 400), 1'700'000'000'000, 2, 3);
    c["generator"]["saturated"] = true;
    c["generator"]["saturation_reason"] = "1 packets dropped";
    MergeOutput ab, all, direct;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", a}, {"b.json", b}}, ab, error)) << error;
    c.erase("shard_of");  // a merge carries no shard_of: it goes on as a whole run
    ASSERT_TRUE(merge({{"ab.json", ab.result}, {"c.json", c}}, all, error)) << error;
    json a2 = a, b2 = b, c2 = c;
    a2.erase("shard_of");
    b2.erase("shard_of");
    ASSERT_TRUE(merge({{"a.json", a2}, {"b.json", b2}, {"c.json", c2}}, direct, error)) << error;
    EXPECT_EQ(all.result["histograms"], direct.result["histograms"]);
    EXPECT_EQ(all.result["calls"], direct.result["calls"]);
    EXPECT_EQ(all.result["generator"]["nodes"].size(), 3u);
    EXPECT_EQ(all.result["generator"]["busy_share"].size(), 3u);
    EXPECT_TRUE(all.result["generator"]["saturated"].get<bool>());
    EXPECT_EQ(all.result["generator"]["saturation_reason"], "node 1 (c.json): 1 packets dropped");
}

TEST(Merge, WholeRunsMergeToo) {
    json a = shard_result(samples(1, 100), 1'700'000'000'000, 0, 1);
    json b = shard_result(samples(2, 100), 1'700'000'000'000, 0, 1);
    a.erase("shard_of");
    b.erase("shard_of");
    MergeOutput out;
    std::string error;
    ASSERT_TRUE(merge({{"a.json", a}, {"b.json", b}}, out, error)) << error;
    EXPECT_EQ(out.result["calls"]["attempted"], 200);
    EXPECT_EQ(out.result["generator"]["nodes"][1]["shard_of"], nullptr);
}

}  // namespace
}  // namespace sipstorm::report
