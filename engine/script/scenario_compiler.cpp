#include "script/scenario_compiler.hpp"
#include "script/lua_util.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <lua.hpp>
#include <set>
#include <sstream>
#include <string_view>

#include "script/duration.hpp"
#include "script/sandbox.hpp"
#include "script/source_lines.hpp"
#include "script/step_compiler.hpp"
#include "sip/template_compile.hpp"
#include "ua/call.hpp"

namespace sipstorm::script {
namespace {

constexpr const char* kTopKeys = "name, role, params, auth, gates, peer, vars, steps";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class ScenarioCompiler {
  public:
    ScenarioCompiler(const std::string& path, const std::map<std::string, std::string>& overrides,
                     const CompileOptions& options, ua::Program& out, CompileError& err)
        : path_(path),
          overrides_(overrides),
          options_(options),
          out_(out),
          err_(err),
          source_(read_file(path)) {}

    // The scenario table is at the stack top of L.
    bool compile(lua_State* L) {
        if (!lua_istable(L, -1))
            return fail(0, std::string("the scenario must return a table, got a ") + luaL_typename(L, -1));
        const int top = lua_gettop(L);
        return keys(L, top) && name(L, top) && role(L, top) && params(L, top) && auth(L, top) &&
               gates(L, top) && peer(L, top) && vars(L, top) && steps(L, top) && order_checks();
    }

  private:
    bool fail(int line, std::string message) {
        err_ = {path_, line, std::move(message)};
        return false;
    }

    bool keys(lua_State* L, int t) {
        lua_pushnil(L);
        while (lua_next(L, t) != 0) {
            lua_pop(L, 1);
            std::string_view k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (k != "name" && k != "role" && k != "params" && k != "steps" && k != "gates" && k != "auth" &&
                k != "peer" && k != "vars") {
                std::string shown = k.empty() ? "a positional value" : "key '" + std::string(k) + "'";
                lua_pop(L, 1);
                return fail(k.empty() ? 0 : key_line(source_, k),
                            "unexpected " + shown + " in the scenario table (expected " + kTopKeys + ")");
            }
        }
        return true;
    }

    bool name(lua_State* L, int t) {
        raw_field(L, t, "name");
        bool ok = lua_isnil(L, -1) || lua_type(L, -1) == LUA_TSTRING;
        out_.name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                   : std::filesystem::path(path_).stem().string();
        lua_pop(L, 1);
        return ok || fail(key_line(source_, "name"), "name must be a string");
    }

    bool role(lua_State* L, int t) {
        raw_field(L, t, "role");
        std::string r = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        bool missing = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (r == "uac") {
            out_.role = ua::Role::kUac;
        } else if (r == "uas") {
            out_.role = ua::Role::kUas;
        } else if (missing) {
            return fail(0, "missing role (\"uac\" to place calls or \"uas\" to answer them)");
        } else {
            return fail(key_line(source_, "role"), "unknown role '" + r + "' (expected \"uac\" or \"uas\")");
        }
        return true;
    }

    bool params(lua_State* L, int t) {
        const int line = key_line(source_, "params");
        raw_field(L, t, "params");
        if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
            lua_pop(L, 1);
            return fail(line, "params must be a table of name = default value");
        }
        if (lua_istable(L, -1)) {
            lua_pushnil(L);
            while (lua_next(L, -2) != 0) {
                std::string k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
                int vt = lua_type(L, -1);
                std::string v = vt == LUA_TSTRING || vt == LUA_TNUMBER ? lua_tostring(L, -1) : "";
                lua_pop(L, 1);
                if (!is_identifier(k)) {
                    lua_pop(L, 2);
                    return fail(line, "params: '" + k + "' is not a valid parameter name");
                }
                if (sip::is_builtin_slot_name(k)) {
                    lua_pop(L, 2);
                    return fail(line, "params: '" + k + "' is a built-in slot name");
                }
                if (vt != LUA_TSTRING && vt != LUA_TNUMBER) {
                    lua_pop(L, 2);
                    return fail(line, "params: the default of '" + k + "' must be a string or a number");
                }
                out_.params[k] = v;
            }
        }
        lua_pop(L, 1);
        for (const auto& [k, v] : overrides_) {
            auto it = out_.params.find(k);
            if (it == out_.params.end())
                return fail(line, "--set " + k + ": unknown parameter (declared: " + declared() + ")");
            it->second = v;
        }
        return true;
    }

    // gates = { "failed_calls == 0", "p99(setup_ms) < 50" }: checked by the CLI like --gate.
    bool gates(lua_State* L, int t) {
        const int line = key_line(source_, "gates");
        raw_field(L, t, "gates");
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return true;
        }
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            return fail(line, "gates must be a list of strings, e.g. gates = { \"failed_calls == 0\" }");
        }
        const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
        for (lua_Integer i = 1; i <= n; ++i) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) != LUA_TSTRING) {
                lua_pop(L, 2);
                return fail(line, "gates: entry " + std::to_string(i) + " is not a string");
            }
            out_.gates.emplace_back(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        return true;
    }

    // ${field0} (file 0), ${users.field1}, ${users.name}: an --inf field; ${name}: a captured variable.
    int resolve(std::string_view n, sip::Slot& slot, uint16_t& arg, std::string& why) {
        for (size_t i = 0; i < out_.variables.size(); ++i)
            if (out_.variables[i] == n) {
                slot = sip::Slot::kVar;
                arg = static_cast<uint16_t>(i);
                return 1;
            }
        size_t dot = n.find('.');
        std::string_view file = dot == std::string_view::npos ? std::string_view() : n.substr(0, dot);
        std::string_view field = dot == std::string_view::npos ? n : n.substr(dot + 1);
        const bool looks_like_field = dot != std::string_view::npos ||
                                      (field.size() > 5 && field.substr(0, 5) == "field" &&
                                       field.find_first_not_of("0123456789", 5) == std::string_view::npos);
        if (!looks_like_field) return 0;
        if (!options_.injection || options_.injection->size() == 0) {
            why = "no --inf file given (fields come from --inf users.csv)";
            return -1;
        }
        data::FieldRef ref;
        if (!options_.injection->resolve(file, field, ref, why)) return -1;
        slot = sip::Slot::kField;
        arg = out_.field_index(static_cast<uint16_t>(ref.file), static_cast<uint16_t>(ref.field));
        return 1;
    }

    // A credential: text with ${params} (one level), which may come down to a single --inf field
    // ("${field0}", "${users.password}").
    bool credential(const std::string& text, ua::Program::Credential& c, std::string& why) {
        std::string out, unknown;
        // Parameters first, once; a name that is no parameter may still be a field (checked below).
        if (!substitute_params(text, out_.params, out, unknown)) out = text;
        if (out.find("${") == std::string::npos) {
            c.literal = out;
            return true;
        }
        sip::Slot slot = sip::Slot::kLiteral;
        uint16_t arg = 0;
        const bool single =
            out.starts_with("${") && out.back() == '}' && out.find("${", 2) == std::string::npos;
        int r = single ? resolve(std::string_view(out).substr(2, out.size() - 3), slot, arg, why) : 0;
        if (r < 0) return false;
        if (r > 0 && slot == sip::Slot::kField) {
            c.field = arg;
            return true;
        }
        why = "'" + out +
              "': only parameters and a single --inf field (${field0}, ${users.name}) can be used here";
        return false;
    }

    // auth = { username = .., password = .., realm = .., algorithm = .. }, then --auth over it.
    bool auth(lua_State* L, int t) {
        const int line = key_line(source_, "auth");
        raw_field(L, t, "auth");
        if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
            lua_pop(L, 1);
            return fail(line, "auth must be a table like { username = \"alice\", password = \"secret\" }");
        }
        std::map<std::string, std::string> kv;
        if (lua_istable(L, -1)) {
            lua_pushnil(L);
            while (lua_next(L, -2) != 0) {
                std::string k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
                bool ok = lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER;
                std::string v = ok ? lua_tostring(L, -1) : "";
                lua_pop(L, 1);
                if (k != "username" && k != "password" && k != "realm" && k != "algorithm") {
                    lua_pop(L, 2);
                    return fail(line, "auth: unknown key '" + k +
                                          "' (expected username, password, realm, algorithm)");
                }
                if (!ok) {
                    lua_pop(L, 2);
                    return fail(line, "auth: " + k + " must be a string");
                }
                kv[k] = v;
            }
        }
        lua_pop(L, 1);
        if (options_.has_auth) {
            kv["username"] = options_.auth_user;
            kv["password"] = options_.auth_password;
        }
        std::string why;
        if (kv.count("username") && !credential(kv["username"], out_.auth_user, why))
            return fail(line, "auth username: " + why);
        if (kv.count("password") && !credential(kv["password"], out_.auth_password, why))
            return fail(line, "auth password: " + why);
        ua::Program::Credential text;
        if (kv.count("realm")) {
            if (!credential(kv["realm"], text, why) || text.field >= 0)
                return fail(line, "auth realm: " + why);
            out_.auth_realm = text.literal;
        }
        if (kv.count("algorithm")) {
            if (!credential(kv["algorithm"], text, why) || text.field >= 0)
                return fail(line, "auth algorithm: " + why);
            out_.auth_algorithm = text.literal;
            if (out_.auth_algorithm != "MD5" && out_.auth_algorithm != "SHA-256")
                return fail(line, "auth: algorithm must be \"MD5\" or \"SHA-256\"");
        }
        return true;
    }

    // peer = "registrar.lua": relative to the scenario's directory.
    bool peer(lua_State* L, int t) {
        raw_field(L, t, "peer");
        bool ok = lua_isnil(L, -1) || lua_type(L, -1) == LUA_TSTRING;
        if (lua_type(L, -1) == LUA_TSTRING)
            out_.peer = (std::filesystem::path(path_).parent_path() / lua_tostring(L, -1)).string();
        lua_pop(L, 1);
        return ok || fail(key_line(source_, "peer"), "peer must be the file name of a UAS scenario");
    }

    // vars = { "count", "seen" }: call variables that hooks set (call.vars.count), beside the captures.
    bool vars(lua_State* L, int t) {
        const int line = key_line(source_, "vars");
        raw_field(L, t, "vars");
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return true;
        }
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            return fail(line, "vars must be a list of names, e.g. vars = { \"count\" }");
        }
        const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
        for (lua_Integer i = 1; i <= n; ++i) {
            lua_rawgeti(L, -1, i);
            std::string name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            lua_pop(L, 1);
            if (!is_identifier(name) || sip::is_builtin_slot_name(name) || out_.params.count(name)) {
                lua_pop(L, 1);
                return fail(line, "vars: entry " + std::to_string(i) +
                                      " must be a name that is no slot or parameter, got '" + name + "'");
            }
            if (std::find(out_.variables.begin(), out_.variables.end(), name) == out_.variables.end())
                out_.variables.push_back(name);
        }
        lua_pop(L, 1);
        return true;
    }

    std::string declared() const {
        std::string s;
        for (const auto& [k, v] : out_.params) s += (s.empty() ? "" : ", ") + k;
        return s.empty() ? "none" : s;
    }

    bool steps(lua_State* L, int t) {
        const int steps_line = key_line(source_, "steps");
        raw_field(L, t, "steps");
        if (!lua_istable(L, -1)) {
            bool missing = lua_isnil(L, -1);
            lua_pop(L, 1);
            return fail(missing ? 0 : steps_line,
                        missing ? "missing steps" : "steps must be a list of step tables");
        }
        const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, -1));
        if (n == 0) {
            lua_pop(L, 1);
            return fail(steps_line, "steps is empty");
        }
        std::vector<int> lines = scan_step_lines(source_);
        if (lines.size() != static_cast<size_t>(n)) lines.assign(static_cast<size_t>(n), steps_line);
        for (lua_Integer i = 1; i <= n; ++i) {
            lua_rawgeti(L, -1, i);
            StepCompiler::capture_names(L, -1, out_.variables);
            lua_pop(L, 1);
        }
        for (size_t v = 0; v < out_.variables.size(); ++v)
            if (out_.variables[v] == "dtmf") out_.dtmf_var = static_cast<int>(v);
        sip::SlotResolver resolver = [this](std::string_view name, sip::Slot& slot, uint16_t& arg,
                                            std::string& why) { return resolve(name, slot, arg, why); };
        StepCompiler sc(out_.params, resolver, out_);
        for (lua_Integer i = 1; i <= n; ++i) {
            lua_rawgeti(L, -1, i);
            std::string why;
            const int line = lines[static_cast<size_t>(i - 1)];
            bool ok = sc.compile(L, -1, static_cast<uint32_t>(line), why);
            lua_pop(L, 1);
            if (!ok) {
                lua_pop(L, 1);
                return fail(line, "step " + std::to_string(i) + ": " + why);
            }
            out_.hook_count += out_.steps.back().hook >= 0;
        }
        lua_pop(L, 1);
        size_t bad = 0;
        std::string why;
        return sc.resolve_labels(bad, why) || step_fail(bad, why);
    }

    bool step_fail(size_t i, const std::string& why) {
        return fail(static_cast<int>(out_.steps[i].source_line),
                    "step " + std::to_string(i + 1) + ": " + why);
    }

    bool order_checks() {
        const auto& s = out_.steps;
        size_t first = 0;
        if (out_.role == ua::Role::kUac) {
            // Pauses and labels (a label may carry a hook that sets variables) may come first.
            while (first < s.size() &&
                   (s[first].kind == ua::StepKind::kPause || s[first].kind == ua::StepKind::kNop))
                ++first;
            if (first == s.size() || s[first].kind != ua::StepKind::kSend ||
                !out_.templates[s[first].template_index].is_request)
                return step_fail(std::min(first, s.size() - 1),
                                 "a uac scenario must start by sending a request");
        } else if (s[0].kind != ua::StepKind::kRecv || s[0].dtmf ||
                   std::any_of(s[0].matches.begin(), s[0].matches.end(),
                               [](const ua::RecvMatch& m) { return !m.request; })) {
            return step_fail(0, "a uas scenario must start by receiving a request (e.g. recv = \"INVITE\")");
        }
        for (size_t i = 0; i < s.size(); ++i)
            if (s[i].dtmf && out_.media.empty())
                return step_fail(i,
                                 "recv = \"dtmf\" needs the call's RTP stream: add an rtp step (e.g. "
                                 "{ rtp = { echo = true } })");
        const auto& global = out_.global_recvs;
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i].kind != ua::StepKind::kRecv || !s[i].optional) continue;
            if (std::find(global.begin(), global.end(), static_cast<int>(i)) != global.end()) continue;
            size_t j = i + 1;
            while (j < s.size() && s[j].kind == ua::StepKind::kRecv && s[j].optional) ++j;
            if (j == s.size()) return step_fail(i, "an optional recv can't be the last recv of the scenario");
            if (s[j].kind != ua::StepKind::kRecv)
                return step_fail(
                    i, "an optional recv must be followed by a mandatory recv, not a " +
                           std::string(s[j].kind == ua::StepKind::kSend    ? "send"
                                       : s[j].kind == ua::StepKind::kPause ? "pause"
                                                                           : "jump, fail or label"));
        }
        return limits() && credentials_given();
    }

    // Everything a call keeps must fit its fixed-size slot (ua::Call::fields).
    bool limits() {
        std::set<std::pair<sip::Slot, uint16_t>> headers;
        for (const sip::Template& t : out_.templates)
            for (const sip::Segment& seg : t.segments)
                if (seg.slot == sip::Slot::kLastHeader || seg.slot == sip::Slot::kInviteHeader)
                    headers.insert({seg.slot, seg.arg});
        const size_t room = ua::kMaxFields - static_cast<size_t>(ua::Field::kDialogCount);
        if (out_.variables.size() + headers.size() > room)
            return fail(0, std::to_string(out_.variables.size()) + " captured variables and " +
                               std::to_string(headers.size()) +
                               " ${last_*}/${invite_*} headers: a call keeps " + std::to_string(room) +
                               " at most");
        if (out_.injection && out_.injection->size() > ua::kMaxInjectionFiles)
            return fail(0, "at most " + std::to_string(ua::kMaxInjectionFiles) + " --inf files");
        return true;
    }

    bool credentials_given() {
        for (size_t i = 0; i < out_.steps.size(); ++i) {
            const ua::Step& st = out_.steps[i];
            const bool needs = st.check_auth ||
                               (st.kind == ua::StepKind::kSend && out_.templates[st.template_index].has_auth);
            if (needs && out_.auth_password.literal.empty() && out_.auth_password.field < 0)
                return step_fail(i, std::string(st.check_auth ? "check_auth" : "${auth}") +
                                        " needs credentials: auth = { username = .., password = .. } in the "
                                        "scenario, or --auth user:password");
        }
        return true;
    }

    const std::string& path_;
    const std::map<std::string, std::string>& overrides_;
    const CompileOptions& options_;
    ua::Program& out_;
    CompileError& err_;
    std::string source_;
};

}  // namespace

std::string default_lua_dir(const std::string& scenario_path) {
    std::filesystem::path dir = std::filesystem::path(scenario_path).parent_path();
    return (dir / ".." / "lua").lexically_normal().string();
}

bool compile_scenario(const std::string& path, const std::map<std::string, std::string>& params,
                      const CompileOptions& options, ua::Program& out, CompileError& err) {
    out = ua::Program{};
    out.file = path;
    out.lua_dir = options.lua_dir.empty() ? default_lua_dir(path) : options.lua_dir;
    out.injection = options.injection;
    Sandbox sandbox(out.lua_dir);
    if (!sandbox.run_file(path, err)) return false;
    return ScenarioCompiler(path, params, options, out, err).compile(sandbox.state());
}

bool compile_scenario(const std::string& path, const std::map<std::string, std::string>& params,
                      ua::Program& out, CompileError& err) {
    return compile_scenario(path, params, CompileOptions{}, out, err);
}

}  // namespace sipstorm::script
