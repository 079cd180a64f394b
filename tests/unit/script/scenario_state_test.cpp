#include <gtest/gtest.h>

#include <string>

#include "scenario_files.hpp"
#include "script/scenario_state.hpp"

namespace sipstorm::script {
namespace {

// A 200 response with a Call-ID, a To and an SDP body, as the parser would present it.
sip::MessageView ok_response() {
    sip::MessageView m;
    m.first.fill(-1);
    m.is_request = false;
    m.status_code = 200;
    m.reason = "OK";
    m.headers[0] = {"i", "abc@host", sip::HeaderId::kCallId};
    m.headers[1] = {"To", "<sip:b@x>;tag=7", sip::HeaderId::kTo};
    m.headers[2] = {"X-Custom", "yes", sip::HeaderId::kOther};
    m.header_count = 3;
    m.first[static_cast<size_t>(sip::HeaderId::kCallId)] = 0;
    m.first[static_cast<size_t>(sip::HeaderId::kTo)] = 1;
    m.body = "v=0\r\n";
    return m;
}

constexpr const char* kHooks = R"(
local seen = {}
return {
  role = "uac",
  steps = {
    { send = "INVITE sip:x@y SIP/2.0\n\n", hook = function(msg) seen[#seen + 1] = tostring(msg) end },
    { recv = 200, hook = function(msg)
        seen[#seen + 1] = table.concat({ msg.code, msg.reason, msg:header("Call-ID"), msg:header("to"),
                                         msg:header("x-custom"), tostring(msg:header("Via")), msg.body,
                                         tostring(msg.method), tostring(msg.is_request) }, "|")
        return true
      end },
    { pause = 0, hook = function() return #seen == 2 and seen[2] or false end },
    { send = "BYE sip:x@y SIP/2.0\n\n", hook = function(msg) kept = msg end },
    { recv = 200, hook = function() return kept.code end },
    { recv = 200, hook = function() os.exit(1) end },
    { recv = 200, hook = function() error(seen[2]) end },
  },
}
)";

class ScenarioStateTest : public ::testing::Test {
  protected:
    void SetUp() override {
        CompileError err;
        path_ = testing::write_scenario("hooks.lua", kHooks);
        ASSERT_TRUE(testing::compile(path_, program_, err)) << to_string(err);
        ASSERT_TRUE(state_.load(program_, err)) << to_string(err);
    }
    std::string path_;
    ua::Program program_;
    ScenarioState state_;
};

TEST_F(ScenarioStateTest, HooksIndexedInStepOrder) {
    EXPECT_EQ(program_.hook_count, 7);
    EXPECT_EQ(state_.hook_count(), 7u);
    for (int i = 0; i < 7; ++i) EXPECT_EQ(program_.steps[static_cast<size_t>(i)].hook, i);
}

TEST_F(ScenarioStateTest, HookSeesTheMessage) {
    std::string error;
    EXPECT_TRUE(state_.run_hook(0, nullptr, &error)) << error;
    sip::MessageView m = ok_response();
    EXPECT_TRUE(state_.run_hook(1, &m, &error)) << error;
    // Hook 2 returns what hook 1 recorded, or false: state persists across hooks in the shard's lua_State.
    EXPECT_TRUE(state_.run_hook(2, nullptr, &error)) << error;
    EXPECT_FALSE(state_.run_hook(6, nullptr, &error));
    EXPECT_EQ(error, path_ + ":17: 200|OK|abc@host|<sip:b@x>;tag=7|yes|nil|v=0\r\n|nil|false");
}

TEST_F(ScenarioStateTest, HookResultsAndErrors) {
    std::string error;
    EXPECT_FALSE(state_.run_hook(2, nullptr, &error));
    EXPECT_EQ(error, "hook 2 returned false");
    sip::MessageView m = ok_response();
    EXPECT_TRUE(state_.run_hook(3, &m, &error)) << error;
    // The message kept in a global after its hook returned is no longer readable.
    EXPECT_FALSE(state_.run_hook(4, nullptr, &error));
    EXPECT_EQ(error, path_ + ":15: the message is only valid while its hook runs");
    EXPECT_FALSE(state_.run_hook(5, nullptr, &error));
    EXPECT_EQ(error,
              path_ +
                  ":16: os.exit is not available: scenarios and hooks run sandboxed (base, string, table "
                  "and math only)");
    EXPECT_FALSE(state_.run_hook(7, nullptr, &error));
    EXPECT_EQ(error, "no hook 7");
}

TEST(ScenarioState, RequestFields) {
    std::string error;
    ua::Program p;
    CompileError err;
    std::string probe = testing::write_scenario("probe.lua", R"(
return { role = "uac", steps = {
  { send = "INVITE sip:x@y SIP/2.0\n\n", hook = function(msg) error(msg.method .. " " .. msg.uri .. " " ..
      tostring(msg.code) .. " " .. tostring(msg.reason) .. " " .. tostring(msg:header("nope"))) end },
} }
)");
    ASSERT_TRUE(testing::compile(probe, p, err)) << to_string(err);
    ScenarioState probe_state;
    ASSERT_TRUE(probe_state.load(p, err)) << to_string(err);
    sip::MessageView req;
    req.first.fill(-1);
    req.is_request = true;
    req.method = sip::Method::kInvite;
    req.method_text = "INVITE";
    req.request_uri = "sip:a@b";
    EXPECT_FALSE(probe_state.run_hook(0, &req, &error));
    EXPECT_EQ(error, probe + ":3: INVITE sip:a@b nil nil nil");
}

}  // namespace
}  // namespace sipstorm::script
