// A compiled scenario: what the Lua file described, turned at load time into templates and a flat
// list of steps that the call interpreter walks. Produced by script/, executed by ua/.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sip/message.hpp"
#include "sip/template.hpp"

namespace sipstorm::ua {

enum class Role : uint8_t { kUac, kUas };

enum class Distribution : uint8_t { kFixed, kUniform, kExponential, kNormal, kLogNormal };

struct PauseSpec {
    Distribution dist = Distribution::kFixed;
    double a_ms = 0;  // fixed: value; uniform: min; exponential: mean; normal/lognormal: mean
    double b_ms = 0;  // uniform: max; normal/lognormal: standard deviation
};

enum class StepKind : uint8_t { kSend, kRecv, kPause, kEnd };

struct Step {
    StepKind kind = StepKind::kEnd;
    uint32_t source_line = 0;  // line in the scenario file, for error messages

    // kSend
    uint16_t template_index = 0;

    // kRecv: a request with this method, or a response with a code in [code_lo, code_hi].
    bool recv_request = false;
    sip::Method method = sip::Method::kUnknown;
    uint16_t code_lo = 0, code_hi = 0;
    bool optional = false;
    uint32_t timeout_ms = 0;  // 0: the call's default

    // kPause
    PauseSpec pause;

    // A Lua hook to run after this step, or -1: an index, in step order, into the hooks of each shard's
    // script::ScenarioState (which re-runs the file in its own lua_State and calls run_hook(hook, msg)).
    int hook = -1;
};

struct Program {
    std::string name;
    std::string file;
    Role role = Role::kUac;
    std::vector<sip::Template> templates;
    std::vector<Step> steps;
    std::vector<std::string> variables;  // names of per-call variables (captures), index = Slot kVar arg

    std::map<std::string, std::string> params;  // effective parameter values (defaults + --set)
    std::string lua_dir;                        // where require() found modules; ScenarioState reuses it
    int hook_count = 0;                         // steps with hook >= 0
    std::vector<std::string> gates;             // the scenario's own gates (expressions, as --gate)
};

}  // namespace sipstorm::ua
