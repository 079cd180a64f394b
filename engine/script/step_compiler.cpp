#include "script/step_compiler.hpp"
#include "script/lua_util.hpp"

#include <cmath>
#include <lua.hpp>
#include <string_view>

#include "script/duration.hpp"
#include "sip/method.hpp"
#include "sip/template_compile.hpp"

namespace sipstorm::script {
namespace {

constexpr const char* kStepKeys = "send, recv, pause, optional, timeout, hook";
constexpr const char* kRecvForms =
    "a status code (200), a class ('2xx'), a range ('180-183') or a request method ('INVITE')";

bool is_step_key(std::string_view k) {
    return k == "send" || k == "recv" || k == "pause" || k == "optional" || k == "timeout" || k == "hook";
}

bool three_digits(std::string_view s) {
    return s.size() == 3 && s[0] >= '1' && s[0] <= '6' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
           s[2] <= '9';
}

uint16_t code_of(std::string_view s) {
    return static_cast<uint16_t>((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
}

// Lua's type name of the value at index, for messages.
std::string type_at(lua_State* L, int index) {
    return luaL_typename(L, index);
}

}  // namespace

bool StepCompiler::compile(lua_State* L, int index, uint32_t line, std::string& error) {
    index = lua_absindex(L, index);
    if (!lua_istable(L, index)) {
        error = "expected a table like { send = ... }, got a " + type_at(L, index);
        return false;
    }
    // Keys first, so a typo is reported as such rather than as a missing send/recv/pause.
    int kinds = 0;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            error = "unexpected positional value (write send = ..., recv = ... or pause = ...)";
            return false;
        }
        std::string_view key = lua_tostring(L, -1);
        if (!is_step_key(key)) {
            error = "unknown key '" + std::string(key) + "' (expected " + kStepKeys + ")";
            lua_pop(L, 1);
            return false;
        }
        kinds += key == "send" || key == "recv" || key == "pause";
    }
    if (kinds != 1) {
        error = kinds == 0 ? "a step needs one of send, recv or pause"
                           : "a step takes only one of send, recv and pause";
        return false;
    }

    ua::Step step;
    step.source_line = line;
    raw_field(L, index, "send");
    bool has_send = !lua_isnil(L, -1);
    lua_pop(L, 1);
    raw_field(L, index, "recv");
    bool has_recv = !lua_isnil(L, -1);
    lua_pop(L, 1);
    bool ok = has_send   ? send(L, index, step, error)
              : has_recv ? recv(L, index, step, error)
                         : pause(L, index, step, error);
    if (!ok) return false;

    if (!has_recv) {
        for (const char* k : {"optional", "timeout"}) {
            raw_field(L, index, k);
            bool present = !lua_isnil(L, -1);
            lua_pop(L, 1);
            if (present) {
                error = std::string(k) + " applies to recv steps only";
                return false;
            }
        }
    }
    raw_field(L, index, "hook");
    if (!lua_isnil(L, -1)) {
        if (!lua_isfunction(L, -1)) {
            error = "hook must be a function, got a " + type_at(L, -1);
            lua_pop(L, 1);
            return false;
        }
        step.hook = hooks_++;
    }
    lua_pop(L, 1);
    program_.steps.push_back(step);
    return true;
}

bool StepCompiler::send(lua_State* L, int index, ua::Step& step, std::string& error) {
    raw_field(L, index, "send");
    if (lua_type(L, -1) != LUA_TSTRING) {
        error = "send must be the message text (a string), got a " + type_at(L, -1);
        lua_pop(L, 1);
        return false;
    }
    size_t n = 0;
    const char* text = lua_tolstring(L, -1, &n);
    sip::Template t;
    sip::TemplateError terr;
    bool ok = sip::compile_template(std::string_view(text, n), params_, t, terr);
    lua_pop(L, 1);
    if (!ok) {
        error = "message line " + std::to_string(terr.line) + ": " + terr.message;
        return false;
    }
    step.kind = ua::StepKind::kSend;
    step.template_index = static_cast<uint16_t>(program_.templates.size());
    program_.templates.push_back(std::move(t));
    return true;
}

bool StepCompiler::recv(lua_State* L, int index, ua::Step& step, std::string& error) {
    step.kind = ua::StepKind::kRecv;
    raw_field(L, index, "recv");
    bool ok = true;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        lua_Integer code = 0;
        ok = lua_isinteger(L, -1) && (code = lua_tointeger(L, -1)) >= 100 && code <= 699;
        step.code_lo = step.code_hi = static_cast<uint16_t>(code);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        std::string_view s = lua_tostring(L, -1);
        if (three_digits(s)) {
            step.code_lo = step.code_hi = code_of(s);
        } else if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && s.substr(1) == "xx") {
            step.code_lo = static_cast<uint16_t>((s[0] - '0') * 100);
            step.code_hi = static_cast<uint16_t>(step.code_lo + 99);
        } else if (s.size() == 7 && s[3] == '-' && three_digits(s.substr(0, 3)) &&
                   three_digits(s.substr(4))) {
            step.code_lo = code_of(s.substr(0, 3));
            step.code_hi = code_of(s.substr(4));
            ok = step.code_lo <= step.code_hi;
        } else if (sip::Method m = sip::method_from_text(s); m != sip::Method::kUnknown) {
            step.recv_request = true;
            step.method = m;
        } else {
            ok = false;
        }
    } else {
        ok = false;
    }
    if (!ok) {
        int type = lua_type(L, -1);
        std::string shown = type == LUA_TNUMBER   ? lua_tostring(L, -1)
                            : type == LUA_TSTRING ? "'" + std::string(lua_tostring(L, -1)) + "'"
                                                  : std::string("a ") + lua_typename(L, type);
        error = "recv = " + shown + ": expected " + kRecvForms;
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);

    raw_field(L, index, "optional");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) {
        error = "optional must be true or false, got a " + type_at(L, -1);
        lua_pop(L, 1);
        return false;
    }
    step.optional = lua_toboolean(L, -1);
    lua_pop(L, 1);

    raw_field(L, index, "timeout");
    double ms = 0;
    ok = lua_isnil(L, -1) || duration(L, -1, "timeout", ms, error);
    lua_pop(L, 1);
    if (!ok) return false;
    step.timeout_ms = static_cast<uint32_t>(std::llround(ms));
    return true;
}

bool StepCompiler::pause(lua_State* L, int index, ua::Step& step, std::string& error) {
    step.kind = ua::StepKind::kPause;
    raw_field(L, index, "pause");
    bool ok = lua_istable(L, -1) ? pause_table(L, -1, step.pause, error)
                                 : duration(L, -1, "pause", step.pause.a_ms, error);
    lua_pop(L, 1);
    return ok;
}

bool StepCompiler::pause_table(lua_State* L, int index, ua::PauseSpec& spec, std::string& error) {
    index = lua_absindex(L, index);
    struct Dist {
        const char* name;
        ua::Distribution dist;
        const char* a;
        const char* b;
    };
    static constexpr Dist kDists[] = {
        {"fixed", ua::Distribution::kFixed, "value", nullptr},
        {"uniform", ua::Distribution::kUniform, "min", "max"},
        {"exponential", ua::Distribution::kExponential, "mean", nullptr},
        {"normal", ua::Distribution::kNormal, "mean", "stddev"},
        {"lognormal", ua::Distribution::kLogNormal, "mean", "stddev"},
    };
    raw_field(L, index, "dist");
    std::string name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    const Dist* d = nullptr;
    for (const Dist& x : kDists) {
        if (name == x.name) d = &x;
    }
    if (d == nullptr) {
        error = "pause: unknown distribution '" + name +
                "' (expected fixed, uniform, exponential, normal, lognormal)";
        return false;
    }
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        lua_pop(L, 1);
        std::string key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
        if (key != "dist" && key != d->a && (d->b == nullptr || key != d->b)) {
            error = "pause: unknown key '" + key + "' for dist = '" + name + "' (expected " + d->a +
                    (d->b ? std::string(", ") + d->b : std::string()) + ")";
            lua_pop(L, 1);
            return false;
        }
    }
    spec.dist = d->dist;
    for (int i = 0; i < 2; ++i) {
        const char* key = i == 0 ? d->a : d->b;
        if (key == nullptr) continue;
        raw_field(L, index, key);
        std::string what = std::string("pause ") + key;
        bool ok = !lua_isnil(L, -1) && duration(L, -1, what.c_str(), i == 0 ? spec.a_ms : spec.b_ms, error);
        if (lua_isnil(L, -1)) error = "pause: dist = '" + name + "' needs " + key;
        lua_pop(L, 1);
        if (!ok) return false;
    }
    if (spec.dist == ua::Distribution::kUniform && spec.a_ms > spec.b_ms) {
        error = "pause: uniform min is greater than max";
        return false;
    }
    return true;
}

bool StepCompiler::duration(lua_State* L, int index, const char* what, double& ms, std::string& error) {
    if (lua_type(L, index) == LUA_TNUMBER) {
        ms = lua_tonumber(L, index);
        if (std::isfinite(ms) && ms >= 0) return true;
        error = std::string(what) + " must be a duration >= 0";
        return false;
    }
    if (lua_type(L, index) == LUA_TSTRING) {
        std::string why;
        if (parse_duration(lua_tostring(L, index), params_, ms, why)) return true;
        error = std::string(what) + ": " + why;
        return false;
    }
    error = std::string(what) + " must be milliseconds or a duration string like \"1.5s\", got a " +
            type_at(L, index);
    return false;
}

}  // namespace sipstorm::script
