#include "report/compare.hpp"

#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sipstorm::report {
namespace {

const CompareRow& row(const Comparison& c, std::string_view metric) {
    for (const CompareRow& r : c.rows)
        if (r.metric == metric) return r;
    static CompareRow none;
    ADD_FAILURE() << "no row " << metric;
    return none;
}

Comparison compare(const nlohmann::json& base, const nlohmann::json& result, CompareOptions opt = {}) {
    Comparison c;
    std::string error;
    EXPECT_TRUE(compare_results(base, result, opt, c, error)) << error;
    return c;
}

TEST(Compare, IdenticalResultsAreOk) {
    nlohmann::json j = test::fixture_result();
    Comparison c = compare(j, j);
    EXPECT_FALSE(c.regression);
    ASSERT_EQ(c.rows.size(), default_compare_metrics().size());
    for (const CompareRow& r : c.rows) {
        EXPECT_EQ(r.verdict, Verdict::kOk) << r.metric;
        EXPECT_TRUE(r.has_delta_pct) << r.metric;
        EXPECT_EQ(r.delta_pct, 0) << r.metric;
    }
    EXPECT_TRUE(c.warnings.empty());
}

TEST(Compare, LatencyUpIsARegressionBeyondTheTolerance) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["latency_ms"]["setup"]["p99"] = 1100.0;  // +11.1%
    Comparison c = compare(base, now);
    EXPECT_TRUE(c.regression);
    const CompareRow& r = row(c, "p99(setup_ms)");
    EXPECT_EQ(r.verdict, Verdict::kRegression);
    EXPECT_NEAR(r.delta_pct, 11.11, 0.01);
    EXPECT_EQ(row(c, "p50(setup_ms)").verdict, Verdict::kOk);

    CompareOptions loose;
    loose.tolerance_pct = 20;
    EXPECT_FALSE(compare(base, now, loose).regression);

    now["latency_ms"]["setup"]["p99"] = 500.0;
    EXPECT_EQ(row(compare(base, now), "p99(setup_ms)").verdict, Verdict::kImproved);
    now["latency_ms"]["setup"]["p99"] = 1030.0;  // +4%: within 5%
    EXPECT_EQ(row(compare(base, now), "p99(setup_ms)").verdict, Verdict::kOk);
}

TEST(Compare, RateDownIsARegression) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["rate"]["achieved"] = 90.0;
    EXPECT_EQ(row(compare(base, now), "achieved_cps").verdict, Verdict::kRegression);
    now["rate"]["achieved"] = 110.0;
    Comparison c = compare(base, now);
    EXPECT_EQ(row(c, "achieved_cps").verdict, Verdict::kImproved);
    EXPECT_FALSE(c.regression);
    now["calls"]["failed"] = 5;
    EXPECT_EQ(row(compare(base, now), "failed_calls").verdict, Verdict::kImproved);
}

TEST(Compare, ZeroBaselinesUseTheAbsoluteDifference) {
    nlohmann::json base = test::fixture_result(), now = base;
    base["calls"]["failed"] = 0;
    now["calls"]["failed"] = 1;
    Comparison c = compare(base, now);
    const CompareRow& r = row(c, "failed_calls");
    EXPECT_EQ(r.verdict, Verdict::kRegression);
    EXPECT_FALSE(r.has_delta_pct);
    EXPECT_TRUE(c.regression);
    EXPECT_NE(comparison_table(c, {}).find("+1 (abs)"), std::string::npos);

    CompareOptions opt;
    opt.abs_tolerance = 1;
    EXPECT_EQ(row(compare(base, now, opt), "failed_calls").verdict, Verdict::kOk);
    now["calls"]["failed"] = 0;
    EXPECT_EQ(row(compare(base, now), "failed_calls").verdict, Verdict::kOk);
    base["rate"]["achieved"] = 0.0;  // higher is better: from 0 up is an improvement
    EXPECT_EQ(row(compare(base, now), "achieved_cps").verdict, Verdict::kImproved);
}

TEST(Compare, AbsoluteToleranceAlsoBoundsRelativeChanges) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["retransmissions"]["total"] = 8;  // +100%, but only 4 more
    EXPECT_EQ(row(compare(base, now), "retransmissions").verdict, Verdict::kRegression);
    CompareOptions opt;
    opt.abs_tolerance = 5;
    EXPECT_EQ(row(compare(base, now, opt), "retransmissions").verdict, Verdict::kOk);
}

TEST(Compare, MissingFigures) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["latency_ms"].erase("call");
    now["histograms"].erase("call_us");
    Comparison c = compare(base, now);
    EXPECT_EQ(row(c, "p99(call_ms)").verdict, Verdict::kMissing);
    EXPECT_TRUE(c.regression);
    c = compare(now, base);
    EXPECT_EQ(row(c, "p99(call_ms)").verdict, Verdict::kNew);
    EXPECT_FALSE(c.regression);
    c = compare(now, now);
    EXPECT_EQ(row(c, "p99(call_ms)").verdict, Verdict::kNotAvailable);
    EXPECT_FALSE(c.regression);
}

TEST(Compare, ChosenMetricsAndTheirDirection) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["rate"]["target"] = 200.0;
    now["calls"]["succeeded"] = 900;
    CompareOptions opt;
    opt.metrics = {"target_cps", "succeeded_calls / attempted_calls", "failed_calls / attempted_calls",
                   "p99(response_ms.INVITE)"};
    Comparison c = compare(base, now, opt);
    ASSERT_EQ(c.rows.size(), 4u);
    EXPECT_EQ(row(c, "target_cps").verdict, Verdict::kInfo);  // neither direction: never judged
    EXPECT_EQ(row(c, "succeeded_calls / attempted_calls").better, Better::kHigher);
    EXPECT_EQ(row(c, "succeeded_calls / attempted_calls").verdict, Verdict::kRegression);
    EXPECT_EQ(row(c, "failed_calls / attempted_calls").better, Better::kLower);
    EXPECT_EQ(row(c, "p99(response_ms.INVITE)").verdict, Verdict::kOk);

    opt.metrics = {"p99(setup)"};
    std::string error;
    EXPECT_FALSE(compare_results(base, now, opt, c, error));
    EXPECT_TRUE(error.starts_with("--metric 'p99(setup)': column 1: unknown distribution")) << error;
    opt.metrics = {"failed_calls == 0"};
    EXPECT_FALSE(compare_results(base, now, opt, c, error));
    EXPECT_TRUE(error.starts_with("--metric 'failed_calls == 0': column 1: expected a value")) << error;
}

TEST(Compare, Warnings) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["generator"]["saturated"] = true;
    now["generator"]["saturation_reason"] = "shard 0 busy 99% of the time";
    now["scenario"] = "other.lua";
    now["schema_version"] = 2;
    Comparison c = compare(base, now);
    ASSERT_EQ(c.warnings.size(), 3u);
    EXPECT_NE(c.warnings[0].find("result's generator was saturated"), std::string::npos);
    EXPECT_NE(c.warnings[0].find("shard 0 busy 99%"), std::string::npos);
    EXPECT_NE(c.warnings[1].find("schema version 2"), std::string::npos);
    EXPECT_EQ(c.warnings[2], "different scenarios: baseline 'basic_call.lua', result 'other.lua'");
}

TEST(Compare, Table) {
    nlohmann::json base = test::fixture_result(), now = base;
    now["latency_ms"]["setup"]["p99"] = 1100.0;
    std::string t = comparison_table(compare(base, now), {});
    EXPECT_EQ(t,
              "metric           baseline  result   delta  verdict\n"
              "achieved_cps         99.5    99.5      0%  ok\n"
              "failed_calls           10      10      0%  ok\n"
              "retransmissions         4       4      0%  ok\n"
              "p50(setup_ms)         500     500      0%  ok\n"
              "p99(setup_ms)         990    1100  +11.1%  REGRESSION\n"
              "p99(call_ms)        10000   10000      0%  ok\n"
              "1 regression(s) beyond the tolerance (5%)\n");
}

TEST(Compare, Tolerance) {
    double pct = 0;
    std::string error;
    EXPECT_TRUE(parse_tolerance("5%", pct, error));
    EXPECT_EQ(pct, 5);
    EXPECT_TRUE(parse_tolerance("0.5%", pct, error));
    EXPECT_EQ(pct, 0.5);
    EXPECT_TRUE(parse_tolerance("10", pct, error));
    EXPECT_EQ(pct, 10);
    for (const char* bad : {"", "%", "abc", "-1%", "5%%", "5 %", "nan"}) {
        EXPECT_FALSE(parse_tolerance(bad, pct, error)) << bad;
        EXPECT_NE(error.find("is not a tolerance"), std::string::npos);
    }
}

}  // namespace
}  // namespace sipstorm::report
