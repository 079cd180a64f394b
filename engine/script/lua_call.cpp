#include "script/lua_call.hpp"

#include <lua.hpp>
#include <string_view>

namespace sipstorm::script {
namespace {

constexpr const char* kCallType = "sipstorm.call";
constexpr const char* kVarsType = "sipstorm.call.vars";

struct Box {
    ua::VarAccess* vars;
    const std::vector<std::string>* names;
};

Box& live(lua_State* L) {
    Box* box = *static_cast<Box**>(luaL_checkudata(L, 1, kVarsType));
    if (box->vars == nullptr) luaL_error(L, "call.vars is only valid while its hook runs");
    return *box;
}

int var_index(lua_State* L, const Box& box) {
    std::string_view name = luaL_checkstring(L, 2);
    for (size_t i = 0; i < box.names->size(); ++i)
        if ((*box.names)[i] == name) return static_cast<int>(i);
    return luaL_error(L, "call.vars.%s: no such call variable (a capture, or declare it in vars = { ... })",
                      std::string(name).c_str());
}

int vars_get(lua_State* L) {
    Box& box = live(L);
    std::string_view v = box.vars->get(var_index(L, box));
    if (v.empty())
        lua_pushnil(L);
    else
        lua_pushlstring(L, v.data(), v.size());
    return 1;
}

int vars_set(lua_State* L) {
    Box& box = live(L);
    const int i = var_index(L, box);
    size_t n = 0;
    const char* s = "";
    switch (lua_type(L, 3)) {
        case LUA_TNIL:
            break;
        case LUA_TBOOLEAN:
            s = lua_toboolean(L, 3) ? "true" : "false";
            n = std::string_view(s).size();
            break;
        case LUA_TSTRING:
        case LUA_TNUMBER:
            s = lua_tolstring(L, 3, &n);
            break;
        default:
            return luaL_error(L, "call.vars: a value is a string, number, boolean or nil, not a %s",
                              luaL_typename(L, 3));
    }
    if (!box.vars->set(i, std::string_view(s, n)))
        return luaL_error(L, "call.vars: the call's memory is full");
    return 0;
}

int call_index(lua_State* L) {
    luaL_checkudata(L, 1, kCallType);
    std::string_view key = luaL_checkstring(L, 2);
    if (key == "vars") {
        lua_getiuservalue(L, 1, 1);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

void hide(lua_State* L) {
    lua_pushboolean(L, 0);  // hide the metatable from getmetatable()
    lua_setfield(L, -2, "__metatable");
}

}  // namespace

void push_call_box(lua_State* L) {
    auto* box = static_cast<Box*>(lua_newuserdatauv(L, sizeof(Box), 1));
    *box = {nullptr, nullptr};
    if (luaL_newmetatable(L, kCallType)) {
        lua_pushcfunction(L, call_index);
        lua_setfield(L, -2, "__index");
        hide(L);
    }
    lua_setmetatable(L, -2);
    auto* proxy = static_cast<Box**>(lua_newuserdatauv(L, sizeof(Box*), 0));
    *proxy = box;
    if (luaL_newmetatable(L, kVarsType)) {
        lua_pushcfunction(L, vars_get);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, vars_set);
        lua_setfield(L, -2, "__newindex");
        hide(L);
    }
    lua_setmetatable(L, -2);
    lua_setiuservalue(L, -2, 1);
}

void set_call(lua_State* L, int index, ua::VarAccess* vars, const std::vector<std::string>* names) {
    auto* box = static_cast<Box*>(luaL_checkudata(L, index, kCallType));
    box->vars = vars;
    box->names = names;
}

}  // namespace sipstorm::script
