// Every way a gate can be written wrong gets an error naming the column and what is wrong.
#include <gtest/gtest.h>

#include <random>

#include "fixture.hpp"

#include "report/gate.hpp"

namespace sipstorm::report {
namespace {

std::string error_of(std::string_view text) {
    Gate g;
    std::string error;
    EXPECT_FALSE(parse_gate(text, g, error)) << text;
    return error;
}

void expect_error(std::string_view text, std::string_view starts_with, std::string_view contains = "") {
    std::string e = error_of(text);
    EXPECT_TRUE(e.starts_with(starts_with)) << text << " -> " << e;
    EXPECT_NE(e.find(contains), std::string::npos) << text << " -> " << e;
}

TEST(GateParse, AcceptsTheDocumentedForms) {
    for (const char* text :
         {"failed_calls == 0", "p99(setup_ms) < 50", "achieved_cps >= 0.99 * target_cps",
          "retransmissions <= 10", "p50(response_ms.INVITE) < 5",
          "(failed_calls + 1) / 2 != 3 and saturated == 0", "failed(timeout) == 0 or failed(4xx) <= 1",
          "p999( call_ms ) > -1e3", "max(setup_ms)>=mean(setup_ms)",
          "failed_calls == 0 && retransmissions == 0 || unexpected == 0", "retransmissions(2xx) == 0",
          "succeeded_calls / attempted_calls >= 0.999", "-duration_s < -.5",
          "lag_ms_max < 100 and rx_drops == 0", "parse_errors == 0", "p90(setup_ms) < 10"}) {
        Gate g;
        std::string error;
        EXPECT_TRUE(parse_gate(text, g, error)) << text << ": " << error;
        EXPECT_EQ(g.expr.text, text);
    }
}

TEST(GateParse, EmptyOrIncomplete) {
    expect_error("", "column 1: empty expression");
    expect_error("   ", "column 4: empty expression");
    expect_error("failed_calls <", "column 15: expected a number, a metric or '('", "end of the expression");
    expect_error("failed_calls == #", "column 17: expected a number, a metric or '(', found '#'");
    expect_error("and failed_calls == 0", "column 1: expected a number, a metric or '(' before 'and'");
}

TEST(GateParse, WrongOperatorsAndTrailingText) {
    expect_error("failed_calls = 0", "column 14: '=' is not an operator: compare with '=='");
    expect_error("failed_calls == 0 0", "column 19: unexpected '0' after a complete expression");
    expect_error("0 < failed_calls < 5", "column 18: comparisons don't chain");
}

TEST(GateParse, ParenthesesMustClose) {
    expect_error("(failed_calls == 0", "column 19: expected ')' to close the '(' at column 1");
    expect_error("p99(setup_ms < 50", "column 14: expected ')' after 'p99(setup_ms'");
    expect_error("p99() < 50", "column 5: expected an argument of 'p99'");
    expect_error(std::string(100, '(') + "1 == 1" + std::string(100, ')'), "column 65: nested too deeply");
    expect_error(std::string(100, '-') + "1 == 1", "column 65: nested too deeply");
}

TEST(GateParse, Numbers) {
    expect_error("p99(setup_ms) < 50ms", "column 19: 'ms' after a number: numbers take no unit");
    expect_error("achieved_cps >= 99%", "column 19: '%' after a number");
    expect_error("1.2.3 > 0", "column 1: '1.2.3' is not a number");
    expect_error("1e999 > 0", "column 1: '1e999' is not a number");
}

TEST(GateParse, TypesAreChecked) {
    expect_error("failed_calls", "column 1: 'failed_calls' is a value, not a condition");
    expect_error("failed_calls + 1", "column 1: 'failed_calls + 1' is a value, not a condition");
    expect_error("failed_calls and retransmissions == 0",
                 "column 1: 'failed_calls' is a value, but 'and' joins conditions");
    expect_error("failed_calls == 0 or 1", "column 22: '1' is a value, but 'or' joins conditions");
    expect_error("(failed_calls == 0) + 1 > 0",
                 "column 1: '(failed_calls == 0)' is a condition, but '+' at column 21 takes values");
    expect_error("-(failed_calls == 0)", "column 2: '-' takes a value, not a condition");
    expect_error("(failed_calls == 0) < 1", "column 1: '(failed_calls == 0)' is a condition, but '<'");
}

TEST(GateParse, UnknownMetricNamesItAndListsTheKnownOnes) {
    std::string e = error_of("retransmissions == 0 and faild_calls == 0");
    EXPECT_TRUE(
        e.starts_with("column 26: unknown metric 'faild_calls' (did you mean 'failed_calls'?); known: "))
        << e;
    for (const char* known :
         {"failed_calls", "succeeded_calls", "attempted_calls", "achieved_cps", "target_cps",
          "retransmissions", "duration_s", "unexpected", "parse_errors", "lag_ms_max", "rx_drops",
          "saturated", "failed(REASON)", "p99", "setup_ms", "response_ms.METHOD"})
        EXPECT_NE(e.find(known), std::string::npos) << known;
    expect_error("zzzzzzzz > 1", "column 1: unknown metric 'zzzzzzzz'; known: failed_calls");
    expect_error("p98(setup_ms) < 1", "column 1: unknown function 'p98' (did you mean 'p9");
    expect_error("man(setup_ms) < 1", "column 1: unknown function 'man' (did you mean 'max'?)");
}

TEST(GateParse, MisusedMetrics) {
    expect_error("failed(bogus) == 0",
                 "column 1: unknown failure reason 'bogus' (known: timeout, unexpected_message, 4xx");
    expect_error("retransmissions(bogus) == 0",
                 "column 1: unknown retransmission kind 'bogus' (known: invite, bye");
    expect_error("p99(setup) < 50",
                 "column 1: unknown distribution 'setup' (known: setup_ms, call_ms, response_ms.METHOD");
    expect_error("p50(response_ms) < 5", "column 1: response_ms needs a method, e.g. response_ms.INVITE");
    expect_error("p50(response_ms.) < 5", "column 1: response_ms needs a method");
    expect_error("1 + setup_ms < 5",
                 "column 5: 'setup_ms' is a distribution: take a statistic of it, e.g. p99(setup_ms)");
    expect_error("response_ms.INVITE < 5", "column 1: 'response_ms.INVITE' is a distribution");
    expect_error("p99 < 5", "column 1: 'p99' needs a distribution, e.g. p99(setup_ms)");
    expect_error("failed_calls(timeout) == 0", "column 1: 'failed_calls' takes no argument");
    expect_error("failed == 0", "column 1: 'failed' needs a reason, e.g. failed(timeout)");
}

TEST(GateParse, ParseGatesNamesTheBadOne) {
    std::vector<Gate> gates;
    std::string error;
    EXPECT_TRUE(parse_gates({"failed_calls == 0", "p99(setup_ms) < 50"}, gates, error));
    EXPECT_EQ(gates.size(), 2u);
    EXPECT_FALSE(parse_gates({"failed_calls == 0", "p99(setup_ms) < 50ms"}, gates, error));
    EXPECT_TRUE(error.starts_with("gate 'p99(setup_ms) < 50ms': column 19: ")) << error;
}

// Junk built from the language's own pieces: parsing never crashes, an error always names a column
// inside the text (or just past it), and whatever parses also evaluates.
TEST(GateParse, RandomInputNeverCrashes) {
    const char* pieces[] = {"failed_calls",
                            "p99",
                            "(",
                            ")",
                            "setup_ms",
                            "response_ms.",
                            "INVITE",
                            "failed",
                            "timeout",
                            " ",
                            "and",
                            "or",
                            "==",
                            "=",
                            "<",
                            ">=",
                            "!",
                            "+",
                            "-",
                            "*",
                            "/",
                            "1",
                            ".",
                            "e",
                            "5",
                            "&&",
                            "|",
                            "%",
                            "x",
                            "\xff",
                            "\t",
                            "max",
                            "4xx",
                            ","};
    std::mt19937 rng(42);
    const nlohmann::json result = test::fixture_result();
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        for (int n = static_cast<int>(rng() % 12); n >= 0; --n) text += pieces[rng() % std::size(pieces)];
        Gate g;
        std::string error;
        if (parse_gate(text, g, error)) {
            ++parsed;
            (void)evaluate(g, result);
            continue;
        }
        ASSERT_TRUE(error.starts_with("column ")) << text << " -> " << error;
        size_t column = std::stoul(error.substr(7));
        EXPECT_GE(column, 1u) << text;
        EXPECT_LE(column, text.size() + 1) << text << " -> " << error;
    }
    EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace sipstorm::report
