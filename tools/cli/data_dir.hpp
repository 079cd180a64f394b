// Where sipstorm's ready scenarios and Lua modules are, so that `sipstorm run basic_call.lua` and
// `require "sipstorm"` work from any directory: $SIPSTORM_DATA_DIR when set, else
// <executable>/../share/sipstorm when it exists (an installed sipstorm, wherever its prefix), else the
// source tree this binary was built from.
#pragma once
#include <string>
#include <vector>

namespace sipstorm::cli {

std::string data_dir();

// A scenario as given when it can be read; a bare name (no '/') that can't is looked up in
// data_dir()/scenarios (with ".lua" added when it has none). Unchanged when found nowhere (the
// caller's "cannot read" error then names what was typed).
std::string resolve_scenario(const std::string& name);

// The directories require() searches for a scenario: its own ../lua, then data_dir()/lua, ';'-separated.
std::string lua_dirs_for(const std::string& scenario);

// The ready scenarios' file names (sorted), for `sipstorm scenarios` and shell completion.
std::vector<std::string> ready_scenarios();

}  // namespace sipstorm::cli
