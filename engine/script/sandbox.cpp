#include "script/sandbox.hpp"

#include <cstdlib>
#include <cstring>
#include <lua.hpp>
#include <string_view>

namespace sipstorm::script {
namespace {

constexpr size_t kMemoryLimit = 64u << 20;
constexpr int kHookEvery = 1000;  // instructions between budget checks
constexpr const char* kLoadedKey = "sipstorm.loaded";

Sandbox* self(lua_State* L) {
    return *static_cast<Sandbox**>(lua_getextraspace(L));
}

int blocked_library(lua_State* L) {
    // __index(t, key): upvalue 1 is the library name.
    const char* lib = lua_tostring(L, lua_upvalueindex(1));
    const char* key = lua_tostring(L, 2);
    return luaL_error(L,
                      "%s.%s is not available: scenarios and hooks run sandboxed (base, string, table and "
                      "math only)",
                      lib, key ? key : "?");
}

void block_library(lua_State* L, const char* name) {
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, name);
    lua_pushcclosure(L, blocked_library, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setglobal(L, name);
}

bool valid_module_name(const char* s) {
    bool at_start = true;
    for (; *s; ++s) {
        char c = *s;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (c == '.') {
            if (at_start) return false;
            at_start = true;
        } else if (alpha || (digit && !at_start)) {
            at_start = false;
        } else {
            return false;
        }
    }
    return !at_start;
}

// require(name): loads <lua_dir>/<name with dots as slashes>.lua once; nothing else is reachable.
// Lua errors longjmp, so nothing with a destructor lives across the calls that can raise.
int sandboxed_require(lua_State* L) {
    const char* name = luaL_checkstring(L, 1);
    if (!valid_module_name(name)) return luaL_error(L, "require: bad module name '%s'", name);
    lua_getfield(L, LUA_REGISTRYINDEX, kLoadedKey);
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);

    Sandbox* sb = self(L);
    const char* relative = luaL_gsub(L, name, ".", "/");
    const char* path = nullptr;
    int status = LUA_ERRFILE;
    for (const std::string& dir : sb->lua_dirs()) {
        if (path) lua_pop(L, 2);  // the path and the error of the directory before
        path = lua_pushfstring(L, "%s/%s.lua", dir.c_str(), relative);
        status = luaL_loadfilex(L, path, "t");
        if (status != LUA_ERRFILE) break;
    }
    if (status == LUA_ERRFILE) {
        return luaL_error(L, "module '%s' not found: require only loads modules from %s", name,
                          sb->lua_dir().c_str());
    }
    if (status != LUA_OK) return lua_error(L);
    sb->note_loaded(path);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -5, name);  // loaded[name]; the stack holds loaded, relative, path, result, result
    return 1;
}

// True if `msg` starts with Lua's "chunk:line:" location prefix.
bool has_location(std::string_view msg) {
    size_t colon = msg.find(':');
    if (colon == std::string_view::npos || msg.substr(0, colon).find('\n') != std::string_view::npos)
        return false;
    size_t digits = colon + 1;
    while (digits < msg.size() && msg[digits] >= '0' && msg[digits] <= '9') ++digits;
    return digits > colon + 1 && digits < msg.size() && msg[digits] == ':';
}

// Gives errors without a location (error(x, 0), non-string values) one: the innermost frame of the
// scenario's own code, so a helper module that rejects its arguments with error(msg, 0) points at the
// scenario line that called it; failing that, the innermost Lua frame. No destructors here either.
int message_handler(lua_State* L) {
    const char* msg = lua_tostring(L, 1);
    if (msg == nullptr) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (has_location(msg)) {
        lua_pushstring(L, msg);
        return 1;
    }
    const std::vector<std::string>& dirs = self(L)->lua_dirs();
    lua_Debug ar;
    lua_Debug where;
    bool found = false;
    for (int level = 1; lua_getstack(L, level, &ar); ++level) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline <= 0) continue;
        bool in_module = false;
        for (const std::string& dir : dirs)
            in_module = in_module ||
                        (ar.source[0] == '@' && std::strncmp(ar.source + 1, dir.c_str(), dir.size()) == 0 &&
                         std::strlen(ar.source + 1) > dir.size() && ar.source[1 + dir.size()] == '/');
        if (!found || !in_module) where = ar;
        found = true;
        if (!in_module) break;
    }
    if (found) {
        lua_pushfstring(L, "%s:%d: %s", where.short_src, where.currentline, msg);
    } else {
        lua_pushstring(L, msg);
    }
    return 1;
}

}  // namespace

Sandbox::Sandbox(std::string lua_dir) : lua_dir_(std::move(lua_dir)) {
    for (size_t pos = 0; pos <= lua_dir_.size();) {
        size_t semi = lua_dir_.find(';', pos);
        if (semi == std::string::npos) semi = lua_dir_.size();
        if (semi > pos) dirs_.push_back(lua_dir_.substr(pos, semi - pos));
        pos = semi + 1;
    }
    if (dirs_.empty()) dirs_.push_back(".");
    L_ = lua_newstate(&Sandbox::allocate, this);
    if (L_ != nullptr) install();
}

Sandbox::~Sandbox() {
    if (L_ != nullptr) lua_close(L_);
}

void* Sandbox::allocate(void* ud, void* ptr, size_t old_size, size_t new_size) {
    auto* sb = static_cast<Sandbox*>(ud);
    if (ptr == nullptr) old_size = 0;  // then old_size is the object type, not a size
    if (new_size == 0) {
        std::free(ptr);
        sb->memory_used_ -= old_size;
        return nullptr;
    }
    // Only scenario code is limited: a failed allocation outside a pcall would abort the process.
    if (sb->limit_memory_ && new_size > old_size && sb->memory_used_ + (new_size - old_size) > kMemoryLimit)
        return nullptr;
    void* p = std::realloc(ptr, new_size);
    if (p != nullptr) sb->memory_used_ = sb->memory_used_ - old_size + new_size;
    return p;
}

void Sandbox::count_hook(lua_State* L, lua_Debug*) {
    Sandbox* sb = self(L);
    if (sb->instructions_left_ > static_cast<uint64_t>(kHookEvery)) {
        sb->instructions_left_ -= kHookEvery;
        return;
    }
    luaL_error(L, "instruction limit exceeded (an endless loop?)");
}

void Sandbox::install() {
    *static_cast<Sandbox**>(lua_getextraspace(L_)) = this;
    luaL_requiref(L_, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L_, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L_, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L_, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_pop(L_, 4);
    // Code loaders would bypass require's directory rule (and bytecode can break the VM).
    for (const char* name : {"dofile", "loadfile", "load", "collectgarbage"}) {
        lua_pushnil(L_);
        lua_setglobal(L_, name);
    }
    lua_getglobal(L_, LUA_STRLIBNAME);
    lua_pushnil(L_);
    lua_setfield(L_, -2, "dump");
    lua_pop(L_, 1);
    for (const char* lib : {"os", "io", "debug", "package"}) block_library(L_, lib);
    lua_newtable(L_);
    lua_setfield(L_, LUA_REGISTRYINDEX, kLoadedKey);
    lua_pushcfunction(L_, sandboxed_require);
    lua_setglobal(L_, "require");
}

bool Sandbox::pcall(int nargs, int nresults, uint64_t budget, CompileError& err) {
    if (L_ == nullptr) {
        err = {"", 0, "cannot create a Lua state (out of memory)"};
        return false;
    }
    int base = lua_gettop(L_) - nargs;
    lua_pushcfunction(L_, message_handler);
    lua_insert(L_, base);
    instructions_left_ = budget;
    lua_sethook(L_, &Sandbox::count_hook, LUA_MASKCOUNT, kHookEvery);
    limit_memory_ = true;
    int status = lua_pcall(L_, nargs, nresults, base);
    limit_memory_ = false;
    lua_sethook(L_, nullptr, 0, 0);
    lua_remove(L_, base);
    if (status == LUA_OK) return true;
    const char* msg = lua_tostring(L_, -1);
    err = locate(msg ? msg : "error object is not a string");
    lua_pop(L_, 1);
    return false;
}

bool Sandbox::run_file(const std::string& path, CompileError& err) {
    if (L_ == nullptr) {
        err = {path, 0, "cannot create a Lua state (out of memory)"};
        return false;
    }
    note_loaded(path);
    int status = luaL_loadfilex(L_, path.c_str(), "t");
    if (status != LUA_OK) {
        std::string msg = lua_tostring(L_, -1);
        lua_pop(L_, 1);
        if (status == LUA_ERRFILE) {
            // "cannot open <path>" plus the errno text; the path is already in err.file.
            err = {path, 0,
                   msg.substr(0, 12) == "cannot open " ? "cannot open the file" + msg.substr(12 + path.size())
                                                       : msg};
            return false;
        }
        err = locate(msg);
        return false;
    }
    return pcall(0, 1, kLoadInstructionBudget, err);
}

// Splits "chunk:line: text" (Lua's location prefix); chunk names longer than LUA_IDSIZE come as
// "...tail", so they are matched back against the files this state loaded.
CompileError Sandbox::locate(const std::string& message) const {
    CompileError e{loaded_.empty() ? std::string() : loaded_.front(), 0, message};
    for (size_t colon = message.find(':'); colon != std::string::npos; colon = message.find(':', colon + 1)) {
        size_t digits = colon + 1;
        while (digits < message.size() && message[digits] >= '0' && message[digits] <= '9') ++digits;
        if (digits == colon + 1 || digits >= message.size() || message[digits] != ':') continue;
        std::string chunk = message.substr(0, colon);
        e.line = std::atoi(message.c_str() + colon + 1);
        e.message = message.substr(digits + 1);
        if (!e.message.empty() && e.message.front() == ' ') e.message.erase(0, 1);
        e.file = chunk;
        if (chunk.substr(0, 3) == "...") {
            std::string tail = chunk.substr(3);
            for (const std::string& f : loaded_) {
                if (f.size() >= tail.size() && f.compare(f.size() - tail.size(), tail.size(), tail) == 0)
                    e.file = f;
            }
        }
        break;
    }
    return e;
}

}  // namespace sipstorm::script
