#include "script/step_compiler.hpp"
#include "script/lua_util.hpp"

#include <regex.h>
#include <algorithm>
#include <cmath>
#include <lua.hpp>
#include <string_view>

#include "script/duration.hpp"
#include "script/media_step.hpp"
#include "sip/header_names.hpp"
#include "sip/method.hpp"
#include "stats/counters.hpp"

namespace sipstorm::script {
namespace {

constexpr std::string_view kStepKeys[] = {
    "send", "recv",     "pause",   "jump",        "fail",          "rtp",          "dtmf",       "label",
    "next", "optional", "timeout", "on_timeout",  "on_unexpected", "capture",      "check_auth", "digits",
    "when", "hook",     "count",   "timer_start", "timer_stop",    "timer_repeat", "lost"};
constexpr const char* kRecvForms =
    "a status code (200), a class ('2xx'), a range ('180-183'), a request method ('INVITE') or a list "
    "of these";
constexpr std::string_view kKinds[] = {"send", "recv", "pause", "jump", "fail", "rtp", "dtmf"};
constexpr const char* kRecvOnly[] = {"optional",      "timeout", "on_timeout",
                                     "on_unexpected", "capture", "check_auth"};

bool is_step_key(std::string_view k) {
    for (std::string_view x : kStepKeys)
        if (k == x) return true;
    return false;
}

std::string step_keys() {
    std::string out;
    for (std::string_view k : kStepKeys) out += (out.empty() ? "" : ", ") + std::string(k);
    return out;
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

bool present(lua_State* L, int index, const char* key) {
    raw_field(L, index, key);
    bool p = !lua_isnil(L, -1);
    lua_pop(L, 1);
    return p;
}

// recv = "dtmf": waits for digits on the call's stream rather than for a SIP message.
bool is_dtmf_recv(lua_State* L, int index) {
    raw_field(L, index, "recv");
    const bool d = lua_type(L, -1) == LUA_TSTRING && std::string_view(lua_tostring(L, -1)) == "dtmf";
    lua_pop(L, 1);
    return d;
}

}  // namespace

void StepCompiler::capture_names(lua_State* L, int index, std::vector<std::string>& names) {
    if (!lua_istable(L, index)) return;
    // A scenario with media has ${dtmf}: the digits its stream received.
    if ((present(L, index, "rtp") || present(L, index, "dtmf") || is_dtmf_recv(L, index)) &&
        std::find(names.begin(), names.end(), "dtmf") == names.end())
        names.push_back("dtmf");
    raw_field(L, index, "capture");
    if (lua_istable(L, -1)) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                std::string n = lua_tostring(L, -1);
                bool seen = false;
                for (const auto& x : names) seen = seen || x == n;
                if (!seen) names.push_back(n);
            }
        }
    }
    lua_pop(L, 1);
}

int StepCompiler::variable(std::string_view name) const {
    for (size_t i = 0; i < program_.variables.size(); ++i)
        if (program_.variables[i] == name) return static_cast<int>(i);
    return -1;
}

bool StepCompiler::compile(lua_State* L, int index, uint32_t line, std::string& error) {
    index = lua_absindex(L, index);
    if (!lua_istable(L, index)) {
        error = "expected a table like { send = ... }, got a " + type_at(L, index);
        return false;
    }
    // Keys first, so a typo is reported as such rather than as a missing send/recv/pause.
    int kinds = 0;
    std::string_view kind;
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
            error = "unknown key '" + std::string(key) + "' (expected " + step_keys() + ")";
            lua_pop(L, 1);
            return false;
        }
        for (std::string_view k : kKinds)
            if (key == k) {
                ++kinds;
                kind = k;
            }
    }
    const bool has_label = present(L, index, "label");
    if (kinds > 1) {
        error = "a step takes only one of send, recv, pause, jump, fail, rtp and dtmf";
        return false;
    }
    if (kinds == 0 && !has_label) {
        error = "a step needs one of send, recv, pause, jump, fail, rtp or dtmf (or a label alone)";
        return false;
    }

    ua::Step step;
    step.source_line = line;
    const size_t at = program_.steps.size();
    bool ok = true;
    if (kind == "send") {
        ok = send(L, index, step, error);
    } else if (kind == "recv") {
        ok = recv(L, index, step, error);
    } else if (kind == "pause") {
        ok = pause(L, index, step, error);
    } else if (kind == "jump") {
        ok = jump(L, index, step, error);
    } else if (kind == "rtp" || kind == "dtmf") {
        ok = compile_media_step(L, index, kind == "dtmf", params_, program_, step, error);
    } else if (kind == "fail") {
        step.kind = ua::StepKind::kFail;
        raw_field(L, index, "fail");
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
            error = "fail must be the reason (a non-empty string), got a " + type_at(L, -1);
            ok = false;
        } else {
            step.text = lua_tostring(L, -1);
        }
        lua_pop(L, 1);
    } else {
        step.kind = ua::StepKind::kNop;
    }
    if (!ok) return false;

    if (kind != "recv") {
        for (const char* k : kRecvOnly) {
            if (present(L, index, k)) {
                error = std::string(k) + " applies to recv steps only";
                return false;
            }
        }
    }
    if (!step.dtmf && present(L, index, "digits")) {
        error = "digits applies to recv = \"dtmf\" steps only";
        return false;
    }
    if (kind != "jump" && present(L, index, "when")) {
        error = "when applies to jump steps only";
        return false;
    }
    if (present(L, index, "next")) {
        if (kind == "jump" || kind == "fail") {
            error = "next does not apply to a " + std::string(kind) + " step";
            return false;
        }
        if (!label_ref(L, index, "next", &ua::Step::next, error)) return false;
    }
    if (has_label) {
        raw_field(L, index, "label");
        std::string name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        lua_pop(L, 1);
        if (!is_identifier(name)) {
            error = "label must be a name like \"retry\" (letters, digits, _)";
            return false;
        }
        if (!program_.labels.emplace(name, static_cast<int>(at)).second) {
            error = "label '" + name + "' is defined twice";
            return false;
        }
    }
    if (!marks(L, index, step, error)) return false;
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
    program_.steps.push_back(std::move(step));
    return true;
}

// count = "name", timer_start = "name", timer_stop = "name", timer_repeat = true: the scenario's own
// counters and response-time timers (SIPp's counter=, start_rtd=, rtd=, repeat_rtd=); lost = PERCENT.
bool StepCompiler::marks(lua_State* L, int index, ua::Step& step, std::string& error) {
    struct Key {
        const char* key;
        int8_t ua::Step::*field;
        bool timer;
    };
    for (const Key& k :
         {Key{"count", &ua::Step::counter, false}, Key{"timer_start", &ua::Step::timer_start, true},
          Key{"timer_stop", &ua::Step::timer_stop, true}}) {
        raw_field(L, index, k.key);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0) {
            error = std::string(k.key) + " must be a name (a string), got a " + type_at(L, -1);
            lua_pop(L, 1);
            return false;
        }
        const std::string name = lua_tostring(L, -1);
        lua_pop(L, 1);
        const int i = k.timer ? program_.timer_index(name) : program_.counter_index(name);
        if (i < 0) {
            error = k.timer
                        ? "a scenario has " + std::to_string(stats::kScenarioTimers) + " timers at most"
                        : "a scenario has " + std::to_string(stats::kScenarioCounters) + " counters at most";
            return false;
        }
        step.*k.field = static_cast<int8_t>(i);
    }
    raw_field(L, index, "timer_repeat");
    const bool has_repeat = !lua_isnil(L, -1);
    const bool repeat_ok = !has_repeat || lua_isboolean(L, -1);
    step.timer_repeat = has_repeat && lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!repeat_ok) {
        error = "timer_repeat must be true or false";
        return false;
    }
    if (has_repeat && step.timer_stop < 0) {
        error = "timer_repeat needs timer_stop";
        return false;
    }
    // lost = PERCENT (SIPp's lost=): a send's first transmission is not sent, a message a recv
    // would take is dropped, with that probability.
    raw_field(L, index, "lost");
    if (!lua_isnil(L, -1)) {
        const bool number = lua_type(L, -1) == LUA_TNUMBER;
        const double pct = number ? lua_tonumber(L, -1) : -1;
        lua_pop(L, 1);
        if (step.kind != ua::StepKind::kSend && step.kind != ua::StepKind::kRecv) {
            error = "lost applies to send and recv steps";
            return false;
        }
        if (!(pct >= 0 && pct <= 100)) {
            error = "lost must be a percentage from 0 to 100";
            return false;
        }
        step.lost = static_cast<float>(pct / 100);
        if (step.kind == ua::StepKind::kRecv && step.lost > 0) program_.loses_received = true;
        return true;
    }
    lua_pop(L, 1);
    return true;
}

bool StepCompiler::label_ref(lua_State* L, int index, const char* key, int ua::Step::*target,
                             std::string& error) {
    raw_field(L, index, key);
    bool ok = lua_type(L, -1) == LUA_TSTRING;
    if (ok)
        refs_.push_back({program_.steps.size(), target, lua_tostring(L, -1)});
    else
        error = std::string(key) + " must be a label name (a string), got a " + type_at(L, -1);
    lua_pop(L, 1);
    return ok;
}

bool StepCompiler::resolve_labels(size_t& step, std::string& error) {
    for (const LabelRef& r : refs_) {
        auto it = program_.labels.find(r.label);
        if (it == program_.labels.end()) {
            step = r.step;
            std::string known;
            for (const auto& [name, i] : program_.labels) known += (known.empty() ? "" : ", ") + name;
            error = "unknown label '" + r.label + "' (labels: " + (known.empty() ? "none" : known) + ")";
            return false;
        }
        program_.steps[r.step].*r.target = it->second;
    }
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
    bool ok = sip::compile_template(std::string_view(text, n), params_, t, terr, resolver_);
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

bool StepCompiler::recv_form(lua_State* L, int index, ua::RecvMatch& m) {
    if (lua_type(L, index) == LUA_TNUMBER) {
        lua_Integer code = 0;
        if (!lua_isinteger(L, index) || (code = lua_tointeger(L, index)) < 100 || code > 699) return false;
        m.code_lo = m.code_hi = static_cast<uint16_t>(code);
        return true;
    }
    if (lua_type(L, index) != LUA_TSTRING) return false;
    std::string_view s = lua_tostring(L, index);
    if (three_digits(s)) {
        m.code_lo = m.code_hi = code_of(s);
    } else if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && s.substr(1) == "xx") {
        m.code_lo = static_cast<uint16_t>((s[0] - '0') * 100);
        m.code_hi = static_cast<uint16_t>(m.code_lo + 99);
    } else if (s.size() == 7 && s[3] == '-' && three_digits(s.substr(0, 3)) && three_digits(s.substr(4))) {
        m.code_lo = code_of(s.substr(0, 3));
        m.code_hi = code_of(s.substr(4));
        return m.code_lo <= m.code_hi;
    } else if (sip::Method mt = sip::method_from_text(s); mt != sip::Method::kUnknown) {
        m.request = true;
        m.method = mt;
    } else {
        return false;
    }
    return true;
}

bool StepCompiler::recv(lua_State* L, int index, ua::Step& step, std::string& error) {
    step.kind = ua::StepKind::kRecv;
    const int top = lua_gettop(L);
    raw_field(L, index, "recv");
    // On failure the offending value (the recv value, or the bad entry of its list) is on top.
    bool ok = true;
    if (is_dtmf_recv(L, index)) {
        lua_settop(L, top);
        if (!compile_dtmf_recv(L, index, params_, step, error)) return false;
        if (present(L, index, "capture") || present(L, index, "check_auth")) {
            error =
                "recv = \"dtmf\" takes digits, timeout, on_timeout, on_unexpected, optional: no capture or "
                "check_auth";
            return false;
        }
    } else if (lua_istable(L, -1)) {
        const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
        ok = n > 0;
        for (lua_Integer i = 1; ok && i <= n; ++i) {
            lua_rawgeti(L, -1, i);
            ua::RecvMatch m;
            if ((ok = recv_form(L, -1, m))) {
                step.matches.push_back(m);
                lua_pop(L, 1);
            }
        }
    } else {
        ua::RecvMatch m;
        ok = recv_form(L, -1, m);
        step.matches.push_back(m);
    }
    if (!ok) {
        int type = lua_type(L, -1);
        std::string shown = type == LUA_TNUMBER   ? lua_tostring(L, -1)
                            : type == LUA_TSTRING ? "'" + std::string(lua_tostring(L, -1)) + "'"
                            : type == LUA_TTABLE  ? "an empty list"
                                                  : std::string("a ") + lua_typename(L, type);
        error = "recv = " + shown + ": expected " + kRecvForms;
        lua_settop(L, top);
        return false;
    }
    lua_settop(L, top);

    raw_field(L, index, "optional");
    const bool global = lua_type(L, -1) == LUA_TSTRING && std::string_view(lua_tostring(L, -1)) == "global";
    lua_pop(L, 1);
    if (global) {  // takes its message wherever the call is (SIPp's optional="global")
        step.optional = true;
        program_.global_recvs.push_back(static_cast<int>(program_.steps.size()));
    }
    for (auto [key, flag] : {std::pair{"optional", &step.optional}, {"check_auth", &step.check_auth}}) {
        if (global && flag == &step.optional) continue;
        raw_field(L, index, key);
        if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) {
            error = std::string(key) + " must be true or false" +
                    (flag == &step.optional ? " or \"global\"" : "") + ", got a " + type_at(L, -1);
            lua_pop(L, 1);
            return false;
        }
        *flag = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    if (step.check_auth) {
        for (const ua::RecvMatch& m : step.matches)
            if (!m.request) {
                error = "check_auth applies to received requests only";
                return false;
            }
    }

    raw_field(L, index, "timeout");
    double ms = 0;
    ok = lua_isnil(L, -1) || duration(L, -1, "timeout", ms, error);
    lua_pop(L, 1);
    if (!ok) return false;
    step.timeout_ms = static_cast<uint32_t>(std::llround(ms));
    if (present(L, index, "on_timeout") && !label_ref(L, index, "on_timeout", &ua::Step::on_timeout, error))
        return false;
    if (present(L, index, "on_unexpected") &&
        !label_ref(L, index, "on_unexpected", &ua::Step::on_unexpected, error))
        return false;
    return captures(L, index, step, error);
}

bool StepCompiler::captures(lua_State* L, int index, ua::Step& step, std::string& error) {
    raw_field(L, index, "capture");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return true;
    }
    if (!lua_istable(L, -1)) {
        error = "capture must be a table like { name = \"Header\" }, got a " + type_at(L, -1);
        lua_pop(L, 1);
        return false;
    }
    const int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        std::string name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        ua::Capture c;
        bool ok = is_identifier(name);
        if (!ok) error = "capture: '" + name + "' is not a variable name (letters, digits, _)";
        if (ok && (sip::is_builtin_slot_name(name) || params_.count(name))) {
            error = "capture: '" + name + "' is already a built-in slot or a parameter";
            ok = false;
        }
        ok = ok && capture(L, -1, name, c, error);
        lua_pop(L, 1);
        if (!ok) {
            lua_settop(L, t - 1);
            return false;
        }
        step.captures.push_back(std::move(c));
    }
    lua_pop(L, 1);
    return true;
}

// capture = { name = "Header" } or { name = { header = "Contact", regex = "<(.*)>", group = 1,
// body = true, required = true } }
bool StepCompiler::capture(lua_State* L, int index, const std::string& name, ua::Capture& c,
                           std::string& error) {
    index = lua_absindex(L, index);
    c.var = static_cast<uint16_t>(variable(name));
    std::string header, regex;
    bool icase = false;
    if (lua_type(L, index) == LUA_TSTRING) {
        header = lua_tostring(L, index);
    } else if (lua_istable(L, index)) {
        lua_pushnil(L);
        while (lua_next(L, index) != 0) {
            lua_pop(L, 1);
            std::string k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
            if (k != "header" && k != "regex" && k != "group" && k != "body" && k != "required" &&
                k != "icase" && k != "occurrence" && k != "start_line") {
                error = "capture " + name + ": unknown key '" + k +
                        "' (expected header, regex, group, body, required, icase, occurrence, start_line)";
                lua_pop(L, 1);
                return false;
            }
        }
        if (raw_field(L, index, "header") == LUA_TSTRING) header = lua_tostring(L, -1);
        lua_pop(L, 1);
        if (raw_field(L, index, "regex") == LUA_TSTRING) regex = lua_tostring(L, -1);
        lua_pop(L, 1);
        c.body = raw_field(L, index, "body") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        c.required = raw_field(L, index, "required") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        icase = raw_field(L, index, "icase") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        c.start_line = raw_field(L, index, "start_line") == LUA_TBOOLEAN && lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (raw_field(L, index, "occurrence") != LUA_TNIL) {
            lua_Integer o = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
            lua_pop(L, 1);
            if (o < 1 || o > 255) {
                error =
                    "capture " + name + ": occurrence must be an integer 1-255 (which line of the header)";
                return false;
            }
            c.occurrence = static_cast<uint8_t>(o);
        } else {
            lua_pop(L, 1);
        }
        if (raw_field(L, index, "group") != LUA_TNIL) {
            lua_Integer g = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
            lua_pop(L, 1);
            if (g < 0 || g > 9) {
                error = "capture " + name + ": group must be an integer 0-9";
                return false;
            }
            c.group = static_cast<uint8_t>(g);
        } else {
            lua_pop(L, 1);
        }
    } else {
        error = "capture " + name + ": expected a header name or a table, got a " + type_at(L, index);
        return false;
    }
    if (header.empty() && regex.empty()) {
        error = "capture " + name + ": needs a header, a regex or both";
        return false;
    }
    if (!header.empty() && c.body) {
        error = "capture " + name + ": header and body = true exclude each other";
        return false;
    }
    if (!header.empty()) {
        c.header = sip::header_id(header);
        if (c.header == sip::HeaderId::kOther) c.header_name = header;
    }
    if (!regex.empty()) {
        c.regex = add_regex(regex, error, icase);
        if (c.regex < 0) {
            error = "capture " + name + ": " + error;
            return false;
        }
    } else {
        c.group = 0;
    }
    return true;
}

int StepCompiler::add_regex(const std::string& re, std::string& error, bool icase) {
    regex_t r;
    int rc = regcomp(&r, re.c_str(), REG_EXTENDED | (icase ? REG_ICASE : 0));
    if (rc != 0) {
        char buf[160];
        regerror(rc, &r, buf, sizeof(buf));
        error = "bad regex '" + re + "': " + buf;
        return -1;
    }
    regfree(&r);
    program_.regexes.push_back(re);
    program_.regex_icase.resize(program_.regexes.size() - 1, 0);
    program_.regex_icase.push_back(icase ? 1 : 0);
    return static_cast<int>(program_.regexes.size() - 1);
}

// jump = "label", when = { var = "x", equals = "v" | not_equals = "v" | matches = "re" | empty = bool }
bool StepCompiler::jump(lua_State* L, int index, ua::Step& step, std::string& error) {
    step.kind = ua::StepKind::kJump;
    if (!label_ref(L, index, "jump", &ua::Step::next, error)) return false;
    raw_field(L, index, "when");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return true;
    }
    const int w = lua_gettop(L);
    auto done = [&](bool ok) {
        lua_settop(L, w - 1);
        return ok;
    };
    if (!lua_istable(L, w)) {
        error = "when must be a table like { var = \"x\", equals = \"y\" }, got a " + type_at(L, w);
        return done(false);
    }
    std::string var = raw_field(L, w, "var") == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_pop(L, 1);
    int v = variable(var);
    if (v < 0) {
        error = "when: var = '" + var + "' is not a captured variable";
        return done(false);
    }
    step.var = static_cast<uint16_t>(v);
    int conditions = 0;
    lua_pushnil(L);
    while (lua_next(L, w) != 0) {
        std::string k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (k == "var") {
            lua_pop(L, 1);
            continue;
        }
        ++conditions;
        if (k == "empty" && lua_isboolean(L, -1)) {
            step.when = lua_toboolean(L, -1) ? ua::Condition::kEmpty : ua::Condition::kNotEmpty;
        } else if ((k == "equals" || k == "not_equals" || k == "matches") &&
                   (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER)) {
            step.text = lua_tostring(L, -1);
            step.when = k == "equals"       ? ua::Condition::kEquals
                        : k == "not_equals" ? ua::Condition::kNotEquals
                                            : ua::Condition::kMatches;
            if (step.when == ua::Condition::kMatches && (step.regex = add_regex(step.text, error)) < 0) {
                error = "when: " + error;
                return done(false);
            }
        } else {
            error = "when: unexpected " + k +
                    " (expected var and one of equals = \"..\", not_equals = \"..\", "
                    "matches = \"regex\", empty = true|false)";
            return done(false);
        }
        lua_pop(L, 1);
    }
    if (conditions != 1) {
        error = "when needs exactly one of equals, not_equals, matches, empty";
        return done(false);
    }
    return done(true);
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
