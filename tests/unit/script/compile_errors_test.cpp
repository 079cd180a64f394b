#include <gtest/gtest.h>

#include <string>

#include "scenario_files.hpp"

namespace sipstorm::script {
namespace {

using testing::compile_error;

std::string path_of(const std::string& name) {
    return testing::scenario_dir() + name;
}

// A valid UAC scenario around `steps` (which start on line 4).
std::string uac(const std::string& steps, const std::string& params = "{ service = 'svc' }") {
    return "return {\n"
           "  role = 'uac', params = " +
           params +
           ",\n"
           "  steps = {\n" +
           steps +
           "  },\n"
           "}\n";
}

const std::string kInvite = "    { send = 'INVITE sip:${service}@${remote_ip} SIP/2.0\\n\\n' },\n";

TEST(CompileErrors, LuaSyntaxError) {
    EXPECT_EQ(compile_error("syntax.lua", "return {\n  role = 'uac'\n  steps = {}\n}\n"),
              path_of("syntax.lua") + ":3: '}' expected (to close '{' at line 1) near 'steps'");
}

TEST(CompileErrors, RuntimeError) {
    EXPECT_EQ(compile_error("runtime.lua", "local t = {}\n\nlocal x = t.a.b\nreturn {}\n"),
              path_of("runtime.lua") + ":3: attempt to index a nil value (field 'a')");
    EXPECT_EQ(compile_error("raise.lua", "error('no good')\n"), path_of("raise.lua") + ":1: no good");
    EXPECT_EQ(compile_error("raise0.lua", "\nerror('no location', 0)\n"),
              path_of("raise0.lua") + ":2: no location");
}

TEST(CompileErrors, MissingFile) {
    ua::Program p;
    CompileError err;
    EXPECT_FALSE(testing::compile(path_of("nope.lua"), p, err));
    EXPECT_EQ(to_string(err), path_of("nope.lua") + ": cannot open the file: No such file or directory");
}

TEST(CompileErrors, UnknownStepKey) {
    EXPECT_EQ(
        compile_error("key.lua", uac(kInvite + "    { recv = 200 },\n"
                                               "    { sned = 'x' },\n")),
        path_of("key.lua") +
            ":6: step 3: unknown key 'sned' (expected send, recv, pause, jump, fail, rtp, dtmf, label, "
            "next, optional, timeout, on_timeout, on_unexpected, capture, check_auth, digits, when, hook, "
            "count, timer_start, "
            "timer_stop, timer_repeat, lost)");
}

TEST(CompileErrors, StepLinesSurviveCommentsStringsAndCalls) {
    std::string steps = "    -- { recv = 1 }, a comment with braces {\n" + kInvite +
                        "    --[[ { long\n comment } ]]\n"
                        "    { recv = '2xx', hook = function(m) local s = '}' return { s } end },\n"
                        "    (function() return { pause = 'soon' } end)(),\n";
    EXPECT_EQ(compile_error("lines.lua", uac(steps)),
              path_of("lines.lua") +
                  ":9: step 3: pause: bad duration 'soon' (expected milliseconds, or a number "
                  "with ms, s, m or h)");
}

TEST(CompileErrors, UnknownParamInTemplate) {
    EXPECT_EQ(compile_error("param.lua", uac("    { send = 'INVITE sip:${sevice}@x SIP/2.0\\n\\n' },\n")),
              path_of("param.lua") +
                  ":4: step 1: message line 1: unknown name '${sevice}' (neither a built-in slot, a scenario "
                  "parameter, a capture nor an --inf field)");
    EXPECT_EQ(compile_error("pause_param.lua", uac(kInvite + "    { pause = '${hld}s' },\n")),
              path_of("pause_param.lua") + ":5: step 2: pause: unknown parameter '${hld}' in '${hld}s'");
}

TEST(CompileErrors, RecvWithoutCodeOrMethod) {
    EXPECT_EQ(
        compile_error("recv.lua", uac(kInvite + "    { recv = '' },\n")),
        path_of("recv.lua") +
            ":5: step 2: recv = '': expected a status code (200), a class ('2xx'), a range ('180-183'), a "
            "request method ('INVITE') or a list of these");
    EXPECT_EQ(
        compile_error("recv2.lua", uac(kInvite + "    { recv = 99 },\n")),
        path_of("recv2.lua") +
            ":5: step 2: recv = 99: expected a status code (200), a class ('2xx'), a range ('180-183'), a "
            "request method ('INVITE') or a list of these");
    EXPECT_EQ(
        compile_error("recv3.lua", uac(kInvite + "    { optional = true },\n")),
        path_of("recv3.lua") +
            ":5: step 2: a step needs one of send, recv, pause, jump, fail, rtp or dtmf (or a label alone)");
}

TEST(CompileErrors, OptionalRecvLast) {
    EXPECT_EQ(compile_error("opt.lua", uac(kInvite + "    { recv = 200 },\n"
                                                     "    { recv = 180, optional = true },\n")),
              path_of("opt.lua") + ":6: step 3: an optional recv can't be the last recv of the scenario");
    EXPECT_EQ(compile_error("opt2.lua", uac(kInvite + "    { recv = 180, optional = true },\n" + kInvite +
                                            "    { recv = 200 },\n")),
              path_of("opt2.lua") +
                  ":5: step 2: an optional recv must be followed by a mandatory recv, not a send");
}

TEST(CompileErrors, PauseDistribution) {
    EXPECT_EQ(compile_error("dist.lua", uac(kInvite + "    { pause = { dist = 'poisson', mean = 5 } },\n")),
              path_of("dist.lua") +
                  ":5: step 2: pause: unknown distribution 'poisson' (expected fixed, uniform, exponential, "
                  "normal, "
                  "lognormal)");
    EXPECT_EQ(compile_error("dist2.lua", uac(kInvite + "    { pause = { dist = 'uniform', min = 5 } },\n")),
              path_of("dist2.lua") + ":5: step 2: pause: dist = 'uniform' needs max");
    EXPECT_EQ(compile_error("dist3.lua",
                            uac(kInvite + "    { pause = { dist = 'uniform', min = 5, mean = 1 } },\n")),
              path_of("dist3.lua") +
                  ":5: step 2: pause: unknown key 'mean' for dist = 'uniform' (expected min, max)");
}

TEST(CompileErrors, MediaSteps) {
    auto err = [](const char* name, const std::string& step) {
        return compile_error(name, uac(kInvite + "    " + step + ",\n"));
    };
    EXPECT_EQ(err("m1.lua", "{ rtp = { play = 'tone:1000', codec = 'G729' } }"),
              path_of("m1.lua") + ":5: step 2: rtp: codec must be PCMU or PCMA, got 'G729'");
    EXPECT_EQ(err("m2.lua", "{ rtp = { play = 'tone:1000', ptime = 25 } }"),
              path_of("m2.lua") + ":5: step 2: rtp: ptime must be 10 to 200 ms in steps of 10");
    EXPECT_EQ(
        err("m3.lua", "{ rtp = { play = 'tone:1000', volume = 3 } }"),
        path_of("m3.lua") +
            ":5: step 2: rtp: unknown key 'volume' (expected play, codec, ptime, duration, loop; or echo = "
            "true)");
    EXPECT_EQ(err("m4.lua", "{ rtp = { play = 'missing.wav' } }"),
              path_of("m4.lua") + ":5: step 2: rtp: cannot open '" + path_of("missing.wav") + "'");
    EXPECT_EQ(err("m5.lua", "{ rtp = { loop = true } }"),
              path_of("m5.lua") +
                  ":5: step 2: rtp needs play = SOURCE (tone:HZ, a WAV file or pcap:FILE) or echo = true");
    EXPECT_EQ(err("m6.lua", "{ rtp = 'pause' }"),
              path_of("m6.lua") +
                  ":5: step 2: rtp must be a table ({ play = ... } or { echo = true }) or \"stop\"");
    EXPECT_EQ(err("m7.lua", "{ dtmf = '12x' }"),
              path_of("m7.lua") + ":5: step 2: dtmf: 'x' is not a DTMF digit (0-9 * # A-D)");
    EXPECT_EQ(err("m8.lua", "{ rtp = { play = 'tone:1000', duration = 'soon' } }")
                  .rfind(path_of("m8.lua") + ":5: step 2: bad duration 'soon'", 0),
              0u);
}

TEST(CompileErrors, DtmfRecv) {
    auto err = [](const char* name, const std::string& steps) {
        return compile_error(name, uac(kInvite + "    { rtp = { echo = true } },\n" + steps));
    };
    EXPECT_EQ(err("d1.lua", "    { recv = 'dtmf' },\n"),
              path_of("d1.lua") +
                  ":6: step 3: recv = \"dtmf\" needs digits = the digits to wait for, e.g. \"123#\"");
    EXPECT_EQ(
        err("d2.lua", "    { recv = 'dtmf', digits = '1x' },\n"),
        path_of("d2.lua") + ":6: step 3: recv = \"dtmf\": digits: 'x' is not a DTMF digit (0-9 * # A-D)");
    EXPECT_EQ(
        err("d3.lua", "    { recv = 'dtmf', digits = '1', capture = { x = 'To' } },\n"),
        path_of("d3.lua") +
            ":6: step 3: recv = \"dtmf\" takes digits, timeout, on_timeout, on_unexpected, optional: no "
            "capture or check_auth");
    EXPECT_EQ(err("d4.lua", "    { recv = 200, digits = '1' },\n"),
              path_of("d4.lua") + ":6: step 3: digits applies to recv = \"dtmf\" steps only");
    // Digits come on the call's stream: a scenario without media steps has none.
    EXPECT_EQ(compile_error("d5.lua", uac(kInvite + "    { recv = 'dtmf', digits = '1' },\n")),
              path_of("d5.lua") +
                  ":5: step 2: recv = \"dtmf\" needs the call's RTP stream: add an rtp step (e.g. { rtp = { "
                  "echo = true } })");
}

TEST(CompileErrors, StepShape) {
    EXPECT_EQ(compile_error("two.lua", uac("    { send = 'x', recv = 200 },\n")),
              path_of("two.lua") +
                  ":4: step 1: a step takes only one of send, recv, pause, jump, fail, rtp and dtmf");
    EXPECT_EQ(compile_error("opt_send.lua",
                            uac("    { send = 'OPTIONS sip:x SIP/2.0\\n\\n', optional = true },\n")),
              path_of("opt_send.lua") + ":4: step 1: optional applies to recv steps only");
    EXPECT_EQ(compile_error("hook.lua", uac(kInvite + "    { recv = 200, hook = 'print' },\n")),
              path_of("hook.lua") + ":5: step 2: hook must be a function, got a string");
    EXPECT_EQ(compile_error("pos.lua", uac("    { 'INVITE' },\n")),
              path_of("pos.lua") +
                  ":4: step 1: unexpected positional value (write send = ..., recv = ... or pause = ...)");
    EXPECT_EQ(compile_error("first.lua", uac("    { pause = 10 },\n    { recv = 200 },\n")),
              path_of("first.lua") + ":5: step 2: a uac scenario must start by sending a request");
}

TEST(CompileErrors, ScenarioShape) {
    EXPECT_EQ(compile_error("role.lua", "return {\n  role = 'proxy',\n  steps = {},\n}\n"),
              path_of("role.lua") + ":2: unknown role 'proxy' (expected \"uac\" or \"uas\")");
    EXPECT_EQ(compile_error("norole.lua", "return { steps = {} }\n"),
              path_of("norole.lua") + ": missing role (\"uac\" to place calls or \"uas\" to answer them)");
    EXPECT_EQ(compile_error("nosteps.lua", "return { role = 'uas' }\n"),
              path_of("nosteps.lua") + ": missing steps");
    EXPECT_EQ(compile_error("empty.lua", "return {\n role = 'uas',\n steps = {},\n}\n"),
              path_of("empty.lua") + ":3: steps is empty");
    EXPECT_EQ(compile_error("notable.lua", "return 42\n"),
              path_of("notable.lua") + ": the scenario must return a table, got a number");
    EXPECT_EQ(compile_error("extra.lua", "return {\n role = 'uas',\n stpes = {},\n}\n"),
              path_of("extra.lua") +
                  ":3: unexpected key 'stpes' in the scenario table (expected name, role, params, auth, "
                  "gates, peer, vars, steps)");
    EXPECT_EQ(
        compile_error("gates.lua", "return {\n role = 'uas',\n gates = 'x',\n steps = {},\n}\n"),
        path_of("gates.lua") + ":3: gates must be a list of strings, e.g. gates = { \"failed_calls == 0\" }");
    EXPECT_EQ(
        compile_error("gates2.lua", "return {\n role = 'uas',\n gates = { 'a', 3 },\n steps = {},\n}\n"),
        path_of("gates2.lua") + ":3: gates: entry 2 is not a string");
    EXPECT_EQ(compile_error("uas.lua", "return {\n role = 'uas',\n steps = {\n  { recv = 200 },\n },\n}\n"),
              path_of("uas.lua") +
                  ":4: step 1: a uas scenario must start by receiving a request (e.g. recv = \"INVITE\")");
}

TEST(CompileErrors, Params) {
    EXPECT_EQ(compile_error("set.lua", uac(kInvite), {{"servise", "1"}}),
              path_of("set.lua") + ":2: --set servise: unknown parameter (declared: service)");
    EXPECT_EQ(compile_error("builtin.lua", uac(kInvite, "{ service = 's', call_id = 'x' }")),
              path_of("builtin.lua") + ":2: params: 'call_id' is a built-in slot name");
}

TEST(CompileErrors, HelperMisuseReportsTheScenarioLine) {
    EXPECT_EQ(
        compile_error("helper.lua", "local sip = require 'sipstorm'\n\nlocal m = sip.invite{ sdp = 'x' }\n"),
        path_of("helper.lua") + ":3: invite: 'to' (the callee's URI) is required");
    EXPECT_EQ(compile_error("helper2.lua", "local sip = require 'sipstorm'\nlocal m = sip.bye{ tu = 'x' }\n"),
              path_of("helper2.lua") + ":2: bye: unknown option 'tu'");
}

}  // namespace
}  // namespace sipstorm::script

namespace sipstorm::script {
namespace {

using testing::compile_error;

std::string with_steps(const std::string& steps) {
    return "return {\n  role = 'uac',\n  steps = {\n"
           "    { send = 'INVITE sip:x@y SIP/2.0\\n\\n' },\n" +
           steps + "  },\n}\n";
}

std::string at(const std::string& file) {
    return testing::scenario_dir() + file;
}

TEST(CompileErrorsBranching, Labels) {
    EXPECT_EQ(compile_error("l1.lua", with_steps("    { recv = 200, next = 'nowhere' },\n")),
              at("l1.lua") + ":5: step 2: unknown label 'nowhere' (labels: none)");
    EXPECT_EQ(compile_error("l2.lua", with_steps("    { label = 'a', recv = 200 },\n    { label = 'a' },\n")),
              at("l2.lua") + ":6: step 3: label 'a' is defined twice");
    EXPECT_EQ(compile_error("l3.lua", with_steps("    { label = 'no good', recv = 200 },\n")),
              at("l3.lua") + ":5: step 2: label must be a name like \"retry\" (letters, digits, _)");
    EXPECT_EQ(compile_error("l4.lua", with_steps("    { recv = 200, on_timeout = 'x', label = 'x' },\n"
                                                 "    { jump = 'y' },\n")),
              at("l4.lua") + ":6: step 3: unknown label 'y' (labels: x)");
    EXPECT_EQ(compile_error("l5.lua", with_steps("    { pause = 1, on_timeout = 'x' },\n")),
              at("l5.lua") + ":5: step 2: on_timeout applies to recv steps only");
}

TEST(CompileErrorsBranching, RecvLists) {
    EXPECT_EQ(compile_error("r1.lua", with_steps("    { recv = { 401, 'BOGUS' } },\n")),
              at("r1.lua") +
                  ":5: step 2: recv = 'BOGUS': expected a status code (200), a class ('2xx'), a "
                  "range ('180-183'), a request method ('INVITE') or a list of these");
    EXPECT_EQ(compile_error("r2.lua", with_steps("    { recv = {} },\n")),
              at("r2.lua") +
                  ":5: step 2: recv = an empty list: expected a status code (200), a class ('2xx'), "
                  "a range ('180-183'), a request method ('INVITE') or a list of these");
}

TEST(CompileErrorsBranching, Conditions) {
    EXPECT_EQ(compile_error(
                  "c1.lua",
                  with_steps("    { jump = 'x', label = 'x', when = { var = 'nope', equals = '1' } },\n")),
              at("c1.lua") + ":5: step 2: when: var = 'nope' is not a captured variable");
    EXPECT_EQ(
        compile_error("c2.lua",
                      with_steps("    { recv = 200, capture = { v = 'To' } },\n"
                                 "    { jump = 'x', label = 'x', when = { var = 'v', like = '1' } },\n")),
        at("c2.lua") +
            ":6: step 3: when: unexpected like (expected var and one of equals = \"..\", "
            "not_equals = \"..\", matches = \"regex\", empty = true|false)");
    EXPECT_EQ(compile_error("c3.lua", with_steps("    { fail = '' },\n")),
              at("c3.lua") + ":5: step 2: fail must be the reason (a non-empty string), got a string");
}

TEST(CompileErrorsCaptures, BadCaptures) {
    EXPECT_EQ(
        compile_error("k1.lua", with_steps("    { recv = 200, capture = { tag = { regex = '(' } } },\n")),
        at("k1.lua") + ":5: step 2: capture tag: bad regex '(': Unmatched ( or \\(");
    EXPECT_EQ(compile_error("k2.lua", with_steps("    { recv = 200, capture = { call_id = 'Call-ID' } },\n")),
              at("k2.lua") + ":5: step 2: capture: 'call_id' is already a built-in slot or a parameter");
    EXPECT_EQ(compile_error("k3.lua", with_steps("    { recv = 200, capture = { x = { group = 1 } } },\n")),
              at("k3.lua") + ":5: step 2: capture x: needs a header, a regex or both");
    EXPECT_EQ(
        compile_error("k4.lua",
                      with_steps("    { recv = 200, capture = { x = { header = 'To', colour = 1 } } },\n")),
        at("k4.lua") +
            ":5: step 2: capture x: unknown key 'colour' (expected header, regex, group, body, required, "
            "icase, occurrence, "
            "start_line)");
    EXPECT_EQ(compile_error("k5.lua", with_steps("    { send = 'BYE sip:${tag} SIP/2.0\\n\\n' },\n")),
              at("k5.lua") +
                  ":5: step 2: message line 1: unknown name '${tag}' (neither a built-in slot, a scenario "
                  "parameter, a capture nor an --inf field)");
}

TEST(CompileErrorsAuth, CredentialsAndFields) {
    EXPECT_EQ(compile_error("a1.lua",
                            "return {\n  role = 'uac',\n  steps = {\n"
                            "    { send = 'REGISTER sip:x SIP/2.0\\n${auth}\\n\\n' },\n  },\n}\n"),
              at("a1.lua") +
                  ":4: step 1: ${auth} needs credentials: auth = { username = .., password = .. } in "
                  "the scenario, or --auth user:password");
    EXPECT_EQ(compile_error("a2.lua",
                            "return {\n  role = 'uac',\n  steps = {\n"
                            "    { send = 'REGISTER sip:x SIP/2.0\\nTo: ${auth}\\n\\n' },\n  },\n}\n"),
              at("a2.lua") + ":4: step 1: message line 1: ${auth} must stand alone on a header line");
    EXPECT_EQ(
        compile_error("a3.lua", with_steps("    { send = 'MESSAGE sip:${field0}@x SIP/2.0\\n\\n' },\n")),
        at("a3.lua") +
            ":5: step 2: message line 1: '${field0}': no --inf file given (fields come from "
            "--inf users.csv)");
    EXPECT_EQ(compile_error("a4.lua",
                            "return {\n  role = 'uas',\n  auth = { algorithm = 'SHA-1' },\n"
                            "  steps = { { recv = 'INVITE' } },\n}\n"),
              at("a4.lua") + ":3: auth: algorithm must be \"MD5\" or \"SHA-256\"");
}

}  // namespace
}  // namespace sipstorm::script
