#include <gtest/gtest.h>

#include <string>

#include "scenario_files.hpp"

namespace sipstorm::script {
namespace {

ua::Program compile_steps(const std::string& steps) {
    ua::Program p;
    CompileError err;
    std::string path = testing::write_scenario("forms.lua",
                                               "return { role = 'uac', params = { t = '250' }, steps = {\n"
                                               "  { send = 'OPTIONS sip:x SIP/2.0\\n\\n' },\n" +
                                                   steps + "} }\n");
    EXPECT_TRUE(testing::compile(path, p, err)) << to_string(err);
    return p;
}

TEST(StepForms, Recv) {
    ua::Program p = compile_steps(
        "  { recv = '1xx', optional = true },\n"
        "  { recv = '180-183', optional = true },\n"
        "  { recv = '200', timeout = '${t}ms' },\n"
        "  { recv = 'BYE', timeout = 1500 },\n");
    ASSERT_EQ(p.steps.size(), 5u);
    EXPECT_EQ(p.steps[1].matches.at(0).code_lo, 100);
    EXPECT_EQ(p.steps[1].matches.at(0).code_hi, 199);
    EXPECT_TRUE(p.steps[1].optional);
    EXPECT_EQ(p.steps[2].matches.at(0).code_lo, 180);
    EXPECT_EQ(p.steps[2].matches.at(0).code_hi, 183);
    EXPECT_EQ(p.steps[3].matches.at(0).code_lo, 200);
    EXPECT_EQ(p.steps[3].matches.at(0).code_hi, 200);
    EXPECT_EQ(p.steps[3].timeout_ms, 250u);
    EXPECT_FALSE(p.steps[3].optional);
    EXPECT_TRUE(p.steps[4].matches.at(0).request);
    EXPECT_EQ(p.steps[4].matches.at(0).method, sip::Method::kBye);
    EXPECT_EQ(p.steps[4].timeout_ms, 1500u);
    EXPECT_EQ(p.steps[4].source_line, 6u);
}

TEST(StepForms, RecvDtmf) {
    ua::Program p = compile_steps(
        "  { rtp = { echo = true } },\n"
        "  { recv = 'dtmf', digits = '12#', timeout = '${t}ms', on_timeout = 'none' },\n"
        "  { label = 'none', recv = 'dtmf', digits = '*', optional = true },\n"
        "  { recv = 'BYE' },\n");
    ASSERT_EQ(p.steps.size(), 5u);
    EXPECT_EQ(p.steps[2].kind, ua::StepKind::kRecv);
    EXPECT_TRUE(p.steps[2].dtmf);
    EXPECT_EQ(p.steps[2].digits, "12#");
    EXPECT_TRUE(p.steps[2].matches.empty());
    EXPECT_EQ(p.steps[2].timeout_ms, 250u);
    EXPECT_EQ(p.steps[2].on_timeout, 3);
    EXPECT_TRUE(p.steps[3].optional);
    EXPECT_GE(p.dtmf_var, 0);  // ${dtmf} exists
    EXPECT_FALSE(p.steps[1].dtmf);
}

TEST(StepForms, CountersAndTimers) {
    ua::Program p = compile_steps(
        "  { recv = '200', timer_stop = 'rtt', count = 'answered' },\n"
        "  { pause = 10, timer_start = 'rtt' },\n"
        "  { recv = 'BYE', timer_stop = 'rtt', timer_repeat = true, count = 'answered' },\n");
    EXPECT_EQ(p.counter_names, (std::vector<std::string>{"answered"}));
    EXPECT_EQ(p.timer_names, (std::vector<std::string>{"rtt"}));
    ASSERT_EQ(p.timer_vars.size(), 1u);
    EXPECT_TRUE(p.variables.at(static_cast<size_t>(p.timer_vars[0].first)).starts_with(ua::kHiddenVariable));
    EXPECT_EQ(p.steps[1].timer_stop, 0);
    EXPECT_EQ(p.steps[1].counter, 0);
    EXPECT_EQ(p.steps[2].timer_start, 0);
    EXPECT_TRUE(p.steps[3].timer_repeat);
    EXPECT_FALSE(p.steps[1].timer_repeat);
    ua::Program lossy = compile_steps("  { recv = 200, lost = 25 },\n");
    EXPECT_FLOAT_EQ(lossy.steps[1].lost, 0.25f);
    EXPECT_TRUE(lossy.loses_received);
    EXPECT_EQ(testing::compile_error("t3.lua",
                                     "return { role = 'uac', steps = {\n"
                                     "  { send = 'OPTIONS sip:x SIP/2.0\\n\\n', lost = 101 } } }\n"),
              testing::scenario_dir() + "t3.lua:2: step 1: lost must be a percentage from 0 to 100");
    EXPECT_EQ(testing::compile_error("t1.lua",
                                     "return { role = 'uac', steps = {\n"
                                     "  { send = 'OPTIONS sip:x SIP/2.0\\n\\n', timer_repeat = true } } }\n"),
              testing::scenario_dir() + "t1.lua:2: step 1: timer_repeat needs timer_stop");
    EXPECT_EQ(testing::compile_error("t2.lua",
                                     "return { role = 'uac', steps = {\n"
                                     "  { send = 'OPTIONS sip:x SIP/2.0\\n\\n', count = 3 } } }\n"),
              testing::scenario_dir() + "t2.lua:2: step 1: count must be a name (a string), got a number");
}

TEST(StepForms, Pause) {
    ua::Program p = compile_steps(
        "  { pause = 20 },\n"
        "  { pause = { dist = 'uniform', min = '1s', max = 3000 } },\n"
        "  { pause = { dist = 'exponential', mean = '${t}' } },\n"
        "  { pause = { dist = 'lognormal', mean = 100, stddev = 10 } },\n"
        "  { pause = { dist = 'fixed', value = '2s' } },\n");
    ASSERT_EQ(p.steps.size(), 6u);
    using D = ua::Distribution;
    EXPECT_EQ(p.steps[1].pause.dist, D::kFixed);
    EXPECT_EQ(p.steps[1].pause.a_ms, 20);
    EXPECT_EQ(p.steps[2].pause.dist, D::kUniform);
    EXPECT_EQ(p.steps[2].pause.a_ms, 1000);
    EXPECT_EQ(p.steps[2].pause.b_ms, 3000);
    EXPECT_EQ(p.steps[3].pause.dist, D::kExponential);
    EXPECT_EQ(p.steps[3].pause.a_ms, 250);
    EXPECT_EQ(p.steps[4].pause.dist, D::kLogNormal);
    EXPECT_EQ(p.steps[4].pause.b_ms, 10);
    EXPECT_EQ(p.steps[5].pause.dist, D::kFixed);
    EXPECT_EQ(p.steps[5].pause.a_ms, 2000);
}

}  // namespace
}  // namespace sipstorm::script
