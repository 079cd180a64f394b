// `sipstorm import`: a compiled SIPp scenario written back as a readable Lua scenario that compiles
// into the same program. SIPp's variable actions become hooks on call.vars (lua_call.hpp); notes
// where the translation is not one to one become comments.
#pragma once
#include <string>

#include "sippxml/compiler.hpp"

namespace sipstorm::sippxml {

// False with `error` ("file:line: why") for what has no Lua form yet (a pause for a variable's
// value, gettimeofday: the sandbox has no clock ...).
bool write_lua(const ua::Program& program, const XmlCompileResult& compiled, std::string& out,
               std::string& error);

}  // namespace sipstorm::sippxml
