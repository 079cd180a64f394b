#include <gtest/gtest.h>

#include <cmath>

#include "fixture.hpp"
#include "report/gate.hpp"

namespace sipstorm::report {
namespace {

GateResult eval(std::string_view text, const nlohmann::json& result = test::fixture_result()) {
    Gate g;
    std::string error;
    EXPECT_TRUE(parse_gate(text, g, error)) << text << ": " << error;
    return evaluate(g, result);
}

TEST(GateEval, SimpleComparisons) {
    GateResult r = eval("failed_calls == 0");
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(r.lhs, 10);
    EXPECT_EQ(r.rhs, 0);
    EXPECT_EQ(r.text, "failed_calls == 0");
    EXPECT_EQ(r.explanation, "failed_calls = 10, not == 0");

    r = eval("failed_calls <= 10");
    EXPECT_TRUE(r.pass);
    EXPECT_EQ(r.explanation, "failed_calls = 10 <= 10");

    EXPECT_TRUE(eval("succeeded_calls == 990").pass);
    EXPECT_TRUE(eval("attempted_calls == 1000").pass);
    EXPECT_TRUE(eval("retransmissions <= 10").pass);
    EXPECT_TRUE(eval("duration_s == 10").pass);
    EXPECT_TRUE(eval("unexpected == 2").pass);
    EXPECT_TRUE(eval("parse_errors == 0").pass);
    EXPECT_TRUE(eval("lag_ms_max == 1.5").pass);
    EXPECT_TRUE(eval("timer_late_ms_p99 < 0.1 and timer_late_ms_max == 0.9").pass);
    EXPECT_TRUE(eval("rx_drops == 0").pass);
    EXPECT_TRUE(eval("saturated == 0").pass);
    EXPECT_TRUE(eval("failed(timeout) == 7 and failed(5xx) == 3 and failed(4xx) == 0").pass);
    EXPECT_TRUE(eval("retransmissions(invite) == 3 and retransmissions(bye) == 1").pass);
}

TEST(GateEval, Latencies) {
    GateResult r = eval("p99(setup_ms) < 50");
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(r.lhs, 990);
    EXPECT_EQ(r.explanation, "p99(setup_ms) = 990, not < 50");
    EXPECT_TRUE(eval("p50(setup_ms) == 500 and p90(setup_ms) == 900 and p999(setup_ms) == 999").pass);
    EXPECT_TRUE(eval("max(setup_ms) == 1000 and mean(setup_ms) == 500.5").pass);
    EXPECT_TRUE(eval("p99(call_ms) == 10000").pass);
    r = eval("p50(response_ms.INVITE) < 5");
    EXPECT_TRUE(r.pass);
    EXPECT_EQ(r.lhs, 2);
}

TEST(GateEval, LatencyFromTheHistogramWhenTheSummaryIsMissing) {
    nlohmann::json j = test::fixture_result();
    j.erase("latency_ms");
    GateResult r = eval("p50(setup_ms) < 1000", j);
    EXPECT_TRUE(r.pass);
    EXPECT_NEAR(r.lhs, 500, 500 * 0.005);  // the histogram's precision
    EXPECT_NEAR(eval("max(setup_ms) > 0", j).lhs, 1000, 0.001);
    EXPECT_NEAR(eval("mean(setup_ms) > 0", j).lhs, 500.5, 0.001);
    EXPECT_NEAR(eval("p99(call_ms) > 0", j).lhs, 10000, 10000 * 0.005);
}

TEST(GateEval, AchievedRateAgainstTarget) {
    GateResult r = eval("achieved_cps >= 0.99 * target_cps");
    EXPECT_TRUE(r.pass);
    EXPECT_EQ(r.lhs, 99.5);
    EXPECT_EQ(r.rhs, 99);
    EXPECT_EQ(r.explanation, "achieved_cps = 99.5 >= 0.99 * target_cps = 99");
    EXPECT_FALSE(eval("achieved_cps >= target_cps").pass);
}

TEST(GateEval, MissingFiguresFailTheGate) {
    GateResult r = eval("p50(response_ms.REGISTER) < 5");
    EXPECT_FALSE(r.pass);
    EXPECT_TRUE(std::isnan(r.lhs));
    EXPECT_EQ(r.explanation,
              "p50(response_ms.REGISTER) < 5: no response_ms.REGISTER in the result (methods with responses: "
              "BYE, INVITE)");
    r = eval("p50(response_ms.BYE) < 5");  // there but without samples: 0 would pass wrongly
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(r.explanation, "p50(response_ms.BYE) < 5: no response_ms.BYE samples in the result");
    r = eval("failed(6xx) != 1");  // NaN != 1 would be true
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(r.explanation, "failed(6xx) != 1: no failed(6xx) in the result");
    EXPECT_FALSE(eval("tx_errors == 0", nlohmann::json::object()).pass);
    EXPECT_FALSE(eval("p99(setup_ms) < 1", nlohmann::json::array()).pass);
}

TEST(GateEval, DivisionByZeroFails) {
    GateResult r = eval("failed_calls / (target_cps - 100) < 1");
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(
        r.explanation,
        "failed_calls / (target_cps - 100) < 1: division by zero in 'failed_calls / (target_cps - 100)'");
}

TEST(GateEval, Arithmetic) {
    EXPECT_TRUE(eval("2 + 3 * 4 == 14").pass);
    EXPECT_TRUE(eval("(2 + 3) * 4 == 20").pass);
    EXPECT_TRUE(eval("10 - 4 - 3 == 3").pass);    // left to right
    EXPECT_TRUE(eval("100 / 10 / 5 == 2").pass);  // likewise
    EXPECT_TRUE(eval("-failed_calls == -10").pass);
    EXPECT_TRUE(eval("--1 == 1").pass);
    EXPECT_TRUE(eval("1e3 == 1000 and .5 == 0.5 and 2.5E-1 == 0.25").pass);
    EXPECT_TRUE(eval("succeeded_calls / attempted_calls == 0.99").pass);
}

TEST(GateEval, AndOrPickTheDecidingComparison) {
    GateResult r = eval("p99(setup_ms) < 2000 and failed_calls == 0");
    EXPECT_FALSE(r.pass);
    EXPECT_EQ(r.lhs, 10);  // the comparison that failed
    EXPECT_EQ(r.explanation, "p99(setup_ms) = 990 < 2000; failed_calls = 10, not == 0");
    r = eval("failed_calls == 0 or retransmissions < 5");
    EXPECT_TRUE(r.pass);
    EXPECT_EQ(r.lhs, 4);  // the comparison that held
    EXPECT_EQ(r.rhs, 5);
    EXPECT_FALSE(eval("failed_calls == 0 || retransmissions > 5").pass);
    // and binds tighter than or
    EXPECT_TRUE(eval("failed_calls == 10 or failed_calls == 0 and retransmissions == 0").pass);
    EXPECT_FALSE(eval("(failed_calls == 10 or failed_calls == 0) and retransmissions == 0").pass);
}

TEST(GateEval, VerdictsInTheResult) {
    std::vector<Gate> gates;
    std::string error;
    ASSERT_TRUE(
        parse_gates({"failed_calls <= 10", "p99(setup_ms) < 50", "p50(response_ms.X) < 1"}, gates, error));
    nlohmann::json j = test::fixture_result();
    std::vector<GateResult> results = evaluate_all(gates, j);
    add_gate_verdicts(j, results);
    ASSERT_EQ(j["gates"].size(), 3u);
    EXPECT_EQ(j["gates"][0]["expr"], "failed_calls <= 10");
    EXPECT_EQ(j["gates"][0]["pass"], true);
    EXPECT_EQ(j["gates"][0]["value"], 10.0);
    EXPECT_EQ(j["gates"][0]["threshold"], 10.0);
    EXPECT_EQ(j["gates"][1]["pass"], false);
    EXPECT_EQ(j["gates"][1]["value"], 990.0);
    EXPECT_EQ(j["gates"][1]["threshold"], 50.0);
    EXPECT_EQ(j["gates"][1]["explanation"], "p99(setup_ms) = 990, not < 50");
    EXPECT_TRUE(j["gates"][2]["value"].is_null());  // missing: null, never NaN (invalid JSON)
    EXPECT_EQ(j["gates"][2]["threshold"], 1.0);

    add_gate_verdicts(j, {});
    EXPECT_TRUE(j["gates"].is_array() && j["gates"].empty());
}

TEST(GateEval, VerdictTable) {
    std::vector<Gate> gates;
    std::string error;
    ASSERT_TRUE(parse_gates({"failed_calls <= 10", "p99(setup_ms) < 50"}, gates, error));
    std::string t = verdict_table(evaluate_all(gates, test::fixture_result()));
    EXPECT_EQ(t,
              "gates:\n"
              "  PASS  failed_calls <= 10  failed_calls = 10 <= 10\n"
              "  FAIL  p99(setup_ms) < 50  p99(setup_ms) = 990, not < 50\n"
              "  1 of 2 gates held: FAILED\n");
    EXPECT_EQ(verdict_table({}), "");
}

}  // namespace
}  // namespace sipstorm::report
