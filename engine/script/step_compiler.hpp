// One scenario step, as a Lua table, into a ua::Step. The step keys:
//   send = "<message template>"                  (see sip/template_compile.hpp)
//   recv = 200 | "200" | "2xx" | "180-183" | "INVITE"
//   optional = true                              (recv only: may be skipped if a later recv matches)
//   timeout = ms | "5s"                          (recv only; 0 or absent: the call's default)
//   pause = ms | "1.5s" | "${hold}s" | { dist = "uniform", min = .., max = .. }
//           dist: fixed (value), uniform (min, max), exponential (mean), normal / lognormal (mean, stddev)
//   hook = function(msg) ... end                 (any step; runs after it, see scenario_state.hpp)
// Exactly one of send, recv and pause.
#pragma once
#include <map>
#include <string>

#include "ua/program.hpp"

struct lua_State;

namespace sipstorm::script {

class StepCompiler {
  public:
    StepCompiler(const std::map<std::string, std::string>& params, ua::Program& program)
        : params_(params), program_(program) {}

    // Appends the step whose table is at stack index `index`. On failure `error` says what is wrong
    // (without the "step N: " prefix, which the caller adds with the line).
    bool compile(lua_State* L, int index, uint32_t line, std::string& error);

  private:
    bool send(lua_State* L, int index, ua::Step& step, std::string& error);
    bool recv(lua_State* L, int index, ua::Step& step, std::string& error);
    bool pause(lua_State* L, int index, ua::Step& step, std::string& error);
    bool pause_table(lua_State* L, int index, ua::PauseSpec& spec, std::string& error);
    bool duration(lua_State* L, int index, const char* what, double& ms, std::string& error);

    const std::map<std::string, std::string>& params_;
    ua::Program& program_;
    int hooks_ = 0;
};

}  // namespace sipstorm::script
