#include "script/lua_message.hpp"

#include <strings.h>
#include <lua.hpp>
#include <string_view>

#include "sip/header_names.hpp"

namespace sipstorm::script {
namespace {

constexpr const char* kTypeName = "sipstorm.message";

struct Box {
    const sip::MessageView* msg;
};

const sip::MessageView& checked(lua_State* L) {
    auto* box = static_cast<Box*>(luaL_checkudata(L, 1, kTypeName));
    if (box->msg == nullptr) luaL_error(L, "the message is only valid while its hook runs");
    return *box->msg;
}

void push_view(lua_State* L, std::string_view v) {
    lua_pushlstring(L, v.data(), v.size());
}

int header(lua_State* L) {
    const sip::MessageView& m = checked(L);
    size_t n = 0;
    const char* name = luaL_checklstring(L, 2, &n);
    std::string_view wanted(name, n);
    const sip::Header* h = nullptr;
    if (sip::HeaderId id = sip::header_id(wanted); id != sip::HeaderId::kOther) {
        h = m.find(id);
    } else {
        for (uint16_t i = 0; i < m.header_count && h == nullptr; ++i) {
            const sip::Header& x = m.headers[i];
            if (x.name.size() == n && strncasecmp(x.name.data(), name, n) == 0) h = &x;
        }
    }
    if (h == nullptr) {
        lua_pushnil(L);
    } else {
        push_view(L, h->value);
    }
    return 1;
}

int index(lua_State* L) {
    const sip::MessageView& m = checked(L);
    std::string_view key = luaL_checkstring(L, 2);
    if (key == "code") {
        if (m.is_request)
            lua_pushnil(L);
        else
            lua_pushinteger(L, m.status_code);
    } else if (key == "method") {
        if (m.is_request)
            push_view(L, m.method_text);
        else
            lua_pushnil(L);
    } else if (key == "uri") {
        if (m.is_request)
            push_view(L, m.request_uri);
        else
            lua_pushnil(L);
    } else if (key == "reason") {
        if (m.is_request)
            lua_pushnil(L);
        else
            push_view(L, m.reason);
    } else if (key == "is_request") {
        lua_pushboolean(L, m.is_request);
    } else if (key == "body") {
        push_view(L, m.body);
    } else if (key == "header") {
        lua_pushcfunction(L, header);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

}  // namespace

void push_message_box(lua_State* L) {
    auto* box = static_cast<Box*>(lua_newuserdatauv(L, sizeof(Box), 0));
    box->msg = nullptr;
    if (luaL_newmetatable(L, kTypeName)) {
        lua_pushcfunction(L, index);
        lua_setfield(L, -2, "__index");
        lua_pushboolean(L, 0);  // hide the metatable from getmetatable()
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
}

void set_message(lua_State* L, int index, const sip::MessageView* msg) {
    static_cast<Box*>(luaL_checkudata(L, index, kTypeName))->msg = msg;
}

}  // namespace sipstorm::script
