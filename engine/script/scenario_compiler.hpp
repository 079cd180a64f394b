// Compiles a Lua scenario file into a ua::Program.
//
// The file runs once, sandboxed (see sandbox.hpp), and returns a table:
//
//   local sip = require "sipstorm"          -- optional helpers from the repo's lua/ directory
//   return {
//     name = "basic_call",                  -- optional; default: the file name without .lua
//     role = "uac",                         -- "uac" (we start calls) or "uas" (we answer them)
//     params = { service = "service" },     -- defaults; --set NAME=VALUE overrides declared ones only
//     auth = { username = "${field0}", password = "${field1}" },  -- digest credentials (or --auth);
//                                              UAS also realm = "..", algorithm = "MD5" | "SHA-256"
//     gates = { "failed_calls == 0" },        -- pass/fail conditions, as --gate
//     peer = "answer.lua",                    -- the UAS `sipstorm run` starts without --target
//     steps = {                             -- in order; keys per step: see step_compiler.hpp
//       { send = [[
//           INVITE sip:${service}@${remote_ip}:${remote_port} SIP/2.0
//           ...
//       ]] },
//       { recv = 100, optional = true },
//       { recv = "2xx", timeout = "5s", hook = function(msg) ... end },
//       { pause = "${hold}s" },
//     },
//   }
//
// Message text is SIPp-style with ${slots} (sip/template_compile.hpp); parameters appear as ${name} in
// messages and pause/timeout strings and are substituted at compile time. The call ends after the last
// step (or at a fail step). Names in ${...} are, in this order: built-in slots, captured variables
// (any step's capture = {...}), --inf fields (${field0}, ${users.field1}, ${users.name}), parameters.
// Checks beyond each step's own: a UAC's first non-pause step sends a request, a UAS's first step
// receives one, an optional recv must be followed by a mandatory recv before the next send or pause,
// labels exist and are unique. Every error names the file and line (a step's errors the line its entry
// starts on).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "data/injection_set.hpp"
#include "script/compile_error.hpp"
#include "ua/program.hpp"

namespace sipstorm::script {

struct CompileOptions {
    std::string lua_dir;  // where require() finds modules; empty: <scenario's directory>/../lua
    // --inf files: ${field0} / ${users.name} resolve against them (nullptr: none given); the
    // program keeps a reference.
    std::shared_ptr<const data::InjectionSet> injection;
    // --auth user:password: overrides the scenario's auth = { username, password }.
    bool has_auth = false;
    std::string auth_user, auth_password;
    // SIPp XML only (SIPp's -rtp_echo): every call echoes its RTP from its first step on.
    bool rtp_echo = false;
};

// `params` are the --set overrides. On failure `out` is unspecified.
bool compile_scenario(const std::string& path, const std::map<std::string, std::string>& params,
                      const CompileOptions& options, ua::Program& out, CompileError& err);
bool compile_scenario(const std::string& path, const std::map<std::string, std::string>& params,
                      ua::Program& out, CompileError& err);

// The lua/ directory used when CompileOptions::lua_dir is empty.
std::string default_lua_dir(const std::string& scenario_path);

}  // namespace sipstorm::script
