// One scenario step, as a Lua table, into a ua::Step. The step keys:
//   send = "<message template>"                  (see sip/template_compile.hpp)
//   recv = 200 | "200" | "2xx" | "180-183" | "INVITE" | { 401, 407, ... }   (any of a list)
//     optional = true                            may be skipped when a later recv matches
//     optional = "global"                        ... and takes its message at any point of the call
//     timeout = ms | "5s"                        0 or absent: the call's default
//     on_timeout = "label"                       go there instead of failing when the timeout fires
//     on_unexpected = "label"                    go there instead of failing on a message no recv matches
//     capture = { name = "Header-Name" | { header = .., regex = .., body = true, group = N, required = true,
//                 icase = true, occurrence = N, start_line = true }
//     } check_auth = true                          verify the request's Digest credentials
//   pause = ms | "1.5s" | "${hold}s" | { dist = "uniform", min = .., max = .. }
//           dist: fixed (value), uniform (min, max), exponential (mean), normal / lognormal (mean, stddev)
//   jump = "label", when = { var = "name", equals = "v" | not_equals = "v" | matches = "re" | empty = bool }
//   fail = "reason"                              end the call as failed
//   label = "name"                               any step, or alone (a step that does nothing)
//   next = "label"                               after a send, recv or pause, continue there
//   hook = function(msg) ... end                 (any step; runs after it, see scenario_state.hpp)
//   count = "name"                               (any step) a counter of the result file, +1 when done
//   timer_start = "name", timer_stop = "name"    (any step) a response-time timer of the result file,
//     timer_repeat = true                        from one step done to another (once a call unless
//                                                timer_repeat; not started: from the call's start)
//   lost = PERCENT                               (send, recv) SIPp's emulated loss of that message
// Exactly one of send, recv, pause, jump and fail, or a label alone.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sip/template_compile.hpp"
#include "ua/program.hpp"

struct lua_State;

namespace sipstorm::script {

class StepCompiler {
  public:
    StepCompiler(const std::map<std::string, std::string>& params, const sip::SlotResolver& resolver,
                 ua::Program& program)
        : params_(params), resolver_(resolver), program_(program) {}

    // Names of the variables the step at `index` captures into (pre-scan, so templates of any step
    // can use every capture; a jump back makes "earlier" meaningless).
    static void capture_names(lua_State* L, int index, std::vector<std::string>& names);

    // Appends the step whose table is at stack index `index`. On failure `error` says what is wrong
    // (without the "step N: " prefix, which the caller adds with the line).
    bool compile(lua_State* L, int index, uint32_t line, std::string& error);

    // After the last step: turns label references into step indexes. On failure `step` is the
    // (0-based) step whose reference is wrong.
    bool resolve_labels(size_t& step, std::string& error);

  private:
    struct LabelRef {
        size_t step;
        int ua::Step::*target;
        std::string label;
    };

    bool send(lua_State* L, int index, ua::Step& step, std::string& error);
    bool marks(lua_State* L, int index, ua::Step& step, std::string& error);
    bool recv(lua_State* L, int index, ua::Step& step, std::string& error);
    bool recv_form(lua_State* L, int index, ua::RecvMatch& m);
    bool captures(lua_State* L, int index, ua::Step& step, std::string& error);
    bool capture(lua_State* L, int index, const std::string& name, ua::Capture& c, std::string& error);
    bool jump(lua_State* L, int index, ua::Step& step, std::string& error);
    bool pause(lua_State* L, int index, ua::Step& step, std::string& error);
    bool pause_table(lua_State* L, int index, ua::PauseSpec& spec, std::string& error);
    bool duration(lua_State* L, int index, const char* what, double& ms, std::string& error);
    bool label_ref(lua_State* L, int index, const char* key, int ua::Step::*target, std::string& error);
    int add_regex(const std::string& re, std::string& error, bool icase = false);
    int variable(std::string_view name) const;

    const std::map<std::string, std::string>& params_;
    const sip::SlotResolver& resolver_;
    ua::Program& program_;
    std::vector<LabelRef> refs_;
    int hooks_ = 0;
};

}  // namespace sipstorm::script
