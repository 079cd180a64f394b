// Compiles a SIPp XML scenario into the same ua::Program a Lua scenario becomes, so one engine runs
// both. Supported: send, recv, pause, nop, label, timewait, Reference, ResponseTimeRepartition,
// CallLengthRepartition; recv's optional/next/test/chance/timeout/ontimeout/rrs/auth; the actions
// ereg (captures), assign/add/subtract/multiply/divide/test/strcmp/todouble/sample/gettimeofday/
// urlencode/urldecode/jump (variable operations), log/warning (no-ops, as in SIPp without -trace_logs),
// error, exec int_cmd="stop_call"; the keywords in keywords.hpp. Anything else is an error naming
// file:line, before any call starts (README, "Coming from SIPp").
#pragma once
#include <map>
#include <string>
#include <vector>

#include "script/compile_error.hpp"
#include "script/scenario_compiler.hpp"
#include "sippxml/xml_tree.hpp"
#include "ua/program.hpp"

namespace sipstorm::sippxml {

// Where the translation is not one to one (the ACK of a non-2xx left to the transaction, retrans=
// left to the RFC 3261 timers, rtd= not measured ...): `sipstorm import` writes them as comments.
struct Note {
    int line = 0;
    std::string text;
};

struct XmlCompileResult {
    std::vector<Note> notes;
    // For each step, the XML line it came from (== Program::steps[i].source_line), and what it was.
    std::vector<const Element*> step_elements;
    Element root;  // the parsed document the step elements point into
    std::vector<std::string> response_time_repartition, call_length_repartition;  // as written
    std::vector<std::string> template_text;          // each template as translated (sipstorm's ${} syntax)
    std::string auth_user_text, auth_password_text;  // [authentication]'s, translated
    std::vector<size_t> duration_pauses;             // steps whose pause is ${duration} (SIPp's -d)
};

// Parameters: `service` ([service], default "service") and `duration` (a <pause/> without
// milliseconds, SIPp's -d, default 0 ms); `params` overrides them, and `--set NAME=VALUE` of any other
// name presets a variable (SIPp's -set).
bool compile_sipp_xml(const std::string& path, const std::map<std::string, std::string>& params,
                      const script::CompileOptions& options, ua::Program& out, script::CompileError& err,
                      XmlCompileResult* result = nullptr);

bool is_xml_scenario(const std::string& path);

}  // namespace sipstorm::sippxml
