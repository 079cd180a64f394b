// Reading the table a scenario returned happens outside any pcall, where a Lua error would abort the
// process: so reads are raw (a metatable's __index can't run) and never call back into Lua.
#pragma once
#include <lua.hpp>

namespace sipstorm::script {

// Pushes t[key] without metamethods; returns its type.
inline int raw_field(lua_State* L, int index, const char* key) {
    index = lua_absindex(L, index);
    lua_pushstring(L, key);
    return lua_rawget(L, index);
}

}  // namespace sipstorm::script
