// Reading the table a scenario returned happens outside any pcall, where a Lua error would abort the
// process: so reads are raw (a metatable's __index can't run) and never call back into Lua.
#pragma once
#include <lua.hpp>
#include <string_view>

namespace sipstorm::script {

// Pushes t[key] without metamethods; returns its type.
inline int raw_field(lua_State* L, int index, const char* key) {
    index = lua_absindex(L, index);
    lua_pushstring(L, key);
    return lua_rawget(L, index);
}

// A name Lua and our ${slots} both take: letters, digits and '_', not starting with a digit.
inline bool is_identifier(std::string_view s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    return true;
}

}  // namespace sipstorm::script
