#include "conform/case_loader.hpp"

#include <dirent.h>

#include <algorithm>
#include <lua.hpp>

#include "script/lua_util.hpp"
#include "script/sandbox.hpp"

namespace sipstorm::conform {
namespace {

using script::raw_field;

// Reads one case table; every read is raw (no metamethods), outside any pcall, so it never raises.
class Reader {
  public:
    Reader(lua_State* L, std::string file) : L_(L), file_(std::move(file)) {}
    const std::string& error() const { return error_; }

    bool read_case(int index, Case& c) {
        index = lua_absindex(L_, index);
        if (!lua_istable(L_, index)) return bad("a case must be a table");
        c.file = file_;
        if (!str(index, "id", c.id, true)) return false;
        where_ = c.id;
        if (!str(index, "title", c.title, true) || !str(index, "section", c.section, true) ||
            !str(index, "role", c.role, false) || !str(index, "passes", c.passes, true))
            return false;
        if (c.role.empty()) c.role = "uas";
        c.serial = flag(index, "serial");
        c.hangup = flag(index, "hangup");
        if (raw_field(L_, index, "steps") != LUA_TTABLE) {
            lua_pop(L_, 1);
            return bad("'steps' must be a list of steps");
        }
        int steps = lua_gettop(L_);
        for (lua_Integer i = 1;; ++i) {
            if (lua_rawgeti(L_, steps, i) == LUA_TNIL) {
                lua_pop(L_, 1);
                break;
            }
            Step s;
            bool ok = read_step(lua_gettop(L_), s, static_cast<int>(i));
            lua_pop(L_, 1);
            if (!ok) {
                lua_pop(L_, 1);
                return false;
            }
            c.steps.push_back(std::move(s));
        }
        lua_pop(L_, 1);
        if (c.steps.empty()) return bad("a case needs at least one step");
        return true;
    }

  private:
    bool bad(const std::string& what) {
        error_ = file_ + ": " + (where_.empty() ? "" : where_ + ": ") + what;
        return false;
    }

    bool str(int t, const char* key, std::string& out, bool required) {
        int type = raw_field(L_, t, key);
        if (type == LUA_TSTRING || type == LUA_TNUMBER) {
            size_t n;
            const char* s = lua_tolstring(L_, -1, &n);
            out.assign(s, n);
        } else if (type != LUA_TNIL || required) {
            lua_pop(L_, 1);
            return bad(std::string("'") + key + "' must be a string");
        }
        lua_pop(L_, 1);
        return true;
    }

    bool flag(int t, const char* key) {
        raw_field(L_, t, key);
        bool v = lua_toboolean(L_, -1);
        lua_pop(L_, 1);
        return v;
    }

    bool number(int t, const char* key, double& out) {
        int type = raw_field(L_, t, key);
        bool is = type == LUA_TNUMBER;
        if (is) out = lua_tonumber(L_, -1);
        lua_pop(L_, 1);
        return is;
    }

    bool ms(int t, const char* key, uint32_t& out) {
        double v;
        if (!number(t, key, v)) return false;
        out = v < 0 ? 0 : static_cast<uint32_t>(v);
        return true;
    }

    // code = 200 | "2xx" | {180, 183, "2xx"}
    bool code_item(int idx, Expect& e) {
        if (lua_type(L_, idx) == LUA_TNUMBER) {
            int c = static_cast<int>(lua_tointeger(L_, idx));
            e.codes.push_back({c, c});
            return true;
        }
        if (lua_type(L_, idx) == LUA_TSTRING) {
            std::string s = lua_tostring(L_, idx);
            if (s.size() == 3 && s[0] >= '1' && s[0] <= '6' && s[1] == 'x' && s[2] == 'x') {
                int c = (s[0] - '0') * 100;
                e.codes.push_back({c, c + 99});
                return true;
            }
        }
        return bad("'code' takes numbers or \"2xx\"-style classes");
    }

    bool read_codes(int t, Expect& e) {
        int type = raw_field(L_, t, "code");
        bool ok = true;
        if (type == LUA_TTABLE) {
            int list = lua_gettop(L_);
            for (lua_Integer i = 1; ok && lua_rawgeti(L_, list, i) != LUA_TNIL; ++i) {
                ok = code_item(-1, e);
                lua_pop(L_, 1);
            }
            if (ok) lua_pop(L_, 1);  // the nil
        } else if (type != LUA_TNIL) {
            ok = code_item(-1, e);
        }
        lua_pop(L_, 1);
        if (!ok) return false;
        e.provisional = !e.codes.empty() &&
                        std::all_of(e.codes.begin(), e.codes.end(), [](auto r) { return r.second < 200; });
        if (raw_field(L_, t, "na") == LUA_TTABLE) {
            for (lua_Integer i = 1;; ++i) {
                int type = lua_rawgeti(L_, -1, i);
                if (type == LUA_TNUMBER) {
                    e.na_codes.push_back(static_cast<int>(lua_tointeger(L_, -1)));
                } else if (type == LUA_TSTRING && lua_tostring(L_, -1)[0] >= '1' &&
                           lua_tostring(L_, -1)[0] <= '6') {
                    int base = (lua_tostring(L_, -1)[0] - '0') * 100;  // "4xx": the whole class
                    for (int k = base; k < base + 100; ++k) e.na_codes.push_back(k);
                } else {
                    break;
                }
                lua_pop(L_, 1);
            }
            lua_pop(L_, 1);
        }
        lua_pop(L_, 1);
        return true;
    }

    bool read_header_checks(int t, Expect& e) {
        if (raw_field(L_, t, "headers") != LUA_TTABLE) {
            lua_pop(L_, 1);
            return true;
        }
        int list = lua_gettop(L_);
        for (lua_Integer i = 1; lua_rawgeti(L_, list, i) == LUA_TTABLE; ++i) {
            int h = lua_gettop(L_);
            HeaderCheck c;
            if (lua_rawgeti(L_, h, 1) != LUA_TSTRING) {
                lua_pop(L_, 3);
                return bad("a header check is {\"Name\", present=true | absent=true | equals=... | ...}");
            }
            c.name = lua_tostring(L_, -1);
            lua_pop(L_, 1);
            std::string v;
            if (flag(h, "absent")) {
                c.op = HeaderCheck::Op::kAbsent;
            } else if (!str(h, "equals", v, false)) {
                lua_pop(L_, 2);
                return false;
            } else if (!v.empty()) {
                c.op = HeaderCheck::Op::kEquals;
                c.value = v;
            } else if (str(h, "contains", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kContains;
                c.value = v;
            } else if (str(h, "first_contains", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kFirstContains;
                c.value = v;
            } else if (str(h, "first_equals", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kFirstEquals;
                c.value = v;
            } else if (str(h, "excludes", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kExcludes;
                c.value = v;
            } else if (str(h, "list", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kListEquals;
                c.value = v;
            } else if (str(h, "uris", v, false) && !v.empty()) {
                c.op = HeaderCheck::Op::kUriSet;
                c.value = v;
            } else if (raw_field(L_, h, "count") == LUA_TNUMBER) {
                c.op = HeaderCheck::Op::kCount;
                c.lo = c.hi = lua_tointeger(L_, -1);
                lua_pop(L_, 1);
            } else if (lua_pop(L_, 1), raw_field(L_, h, "range") == LUA_TTABLE) {
                std::string param;
                str(h, "param", param, false);
                lua_rawgeti(L_, -1, 1);
                lua_rawgeti(L_, -2, 2);
                c.op = param.empty() ? HeaderCheck::Op::kIntRange : HeaderCheck::Op::kParamRange;
                c.param = param;
                c.lo = lua_tointeger(L_, -2);
                c.hi = lua_tointeger(L_, -1);
                lua_pop(L_, 3);
            } else {
                lua_pop(L_, 1);
            }
            e.headers.push_back(std::move(c));
            lua_pop(L_, 1);
        }
        lua_pop(L_, 2);
        return true;
    }

    bool read_expect(int t, Step& s) {
        Expect& e = s.expect;
        if (!read_codes(t, e)) return false;
        if (!str(t, "na_reason", e.na_reason, false) || !str(t, "of", e.of, false) ||
            !str(t, "same_tag_as", e.same_tag_as, false) || !str(t, "received", e.received, false) ||
            !str(t, "rport", e.rport, false) || !str(t, "socket", e.socket, false) ||
            !str(t, "on", e.on, false) || !str(t, "request", e.request, false) ||
            !str(t, "reply", e.reply, false) || !str(t, "want", e.want, false) ||
            !str(t, "uri", e.uri, false) || !str(t, "same_headers", e.same_headers, false) ||
            !str(t, "request_uri", e.request_uri, false))
            return false;
        e.same_body = flag(t, "same_body");
        e.vias_below = flag(t, "vias_below");
        e.reply = crlf(e.reply);
        e.any_transaction = flag(t, "any_transaction");
        e.echo = flag(t, "echo");
        e.via_exact = flag(t, "via_exact");
        if (raw_field(L_, t, "to_tag") == LUA_TBOOLEAN) e.to_tag = lua_toboolean(L_, -1) ? 1 : 0;
        lua_pop(L_, 1);
        ms(t, "within", s.within_ms);
        ms(t, "at_most", e.at_most);
        return read_header_checks(t, e);
    }

    bool read_retrans(int t, Step& s) {
        RetransSpec& r = s.retrans;
        if (!str(t, "of", r.of, false) || !str(t, "request", r.request, false)) return false;
        double v;
        if (number(t, "code", v)) r.code_lo = r.code_hi = static_cast<int>(v);
        if (number(t, "tolerance", v)) r.tolerance = v;
        ms(t, "slack", r.slack_ms);
        if (raw_field(L_, t, "intervals") == LUA_TTABLE) {
            for (lua_Integer i = 1; lua_rawgeti(L_, -1, i) == LUA_TNUMBER; ++i) {
                r.intervals_ms.push_back(static_cast<uint32_t>(lua_tonumber(L_, -1)));
                lua_pop(L_, 1);
            }
            lua_pop(L_, 1);
        }
        lua_pop(L_, 1);
        if (r.intervals_ms.empty()) return bad("retransmissions: 'intervals' lists the expected gaps in ms");
        uint32_t total = 0;
        for (uint32_t i : r.intervals_ms) total += i;
        s.within_ms = static_cast<uint32_t>(total * (1 + r.tolerance)) + 500;
        return true;
    }

    bool read_step(int t, Step& s, int number_in_list) {
        if (!lua_istable(L_, t)) return bad("step " + std::to_string(number_in_list) + " is not a table");
        if (!str(t, "name", s.name, false) || !str(t, "socket", s.socket, false)) return false;
        s.setup = flag(t, "setup");
        s.cleanup = flag(t, "cleanup");
        s.line = number_in_list;
        int type;
        if ((type = raw_field(L_, t, "send")) != LUA_TNIL) {
            lua_pop(L_, 1);
            s.kind = StepKind::kSend;
            if (!str(t, "send", s.text, true)) return false;
            if (!flag(t, "raw")) s.text = crlf(s.text);
            return true;
        }
        lua_pop(L_, 1);
        if (raw_field(L_, t, "resend") != LUA_TNIL) {
            lua_pop(L_, 1);
            s.kind = StepKind::kResend;
            return str(t, "resend", s.expect.of, true);
        }
        lua_pop(L_, 1);
        if (raw_field(L_, t, "expect") == LUA_TTABLE) {
            s.kind = StepKind::kExpect;
            bool ok = read_expect(lua_gettop(L_), s);
            lua_pop(L_, 1);
            return ok;
        }
        lua_pop(L_, 1);
        if (raw_field(L_, t, "silence") == LUA_TTABLE) {
            s.kind = StepKind::kSilence;
            bool ok = read_expect(lua_gettop(L_), s);
            lua_pop(L_, 1);
            return ok;
        }
        lua_pop(L_, 1);
        if (raw_field(L_, t, "retransmissions") == LUA_TTABLE) {
            s.kind = StepKind::kRetrans;
            bool ok = read_retrans(lua_gettop(L_), s);
            lua_pop(L_, 1);
            return ok;
        }
        lua_pop(L_, 1);
        if (ms(t, "wait", s.within_ms)) {
            s.kind = StepKind::kWait;
            return true;
        }
        if ((type = raw_field(L_, t, "alive")) != LUA_TNIL) {
            lua_pop(L_, 1);
            s.kind = StepKind::kAlive;
            s.within_ms = 4000;
            ms(t, "alive", s.within_ms);
            return true;
        }
        lua_pop(L_, 1);
        return bad("step " + std::to_string(number_in_list) +
                   " is none of send, resend, expect, silence, retransmissions, wait, alive");
    }

    lua_State* L_;
    std::string file_;
    std::string where_;
    std::string error_;
};

}  // namespace

std::string crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += text[i];
    }
    return out;
}

bool load_case_file(const std::string& path, const std::string& lib_dir, const std::string& suite,
                    std::vector<Case>& out, std::string& error) {
    script::Sandbox sb(lib_dir);
    script::CompileError err;
    if (!sb.run_file(path, err)) {
        error = script::to_string(err);
        return false;
    }
    lua_State* L = sb.state();
    if (!lua_istable(L, -1)) {
        error = path + ": a case file returns a case table or a list of them";
        return false;
    }
    Reader r(L, path);
    int top = lua_gettop(L);
    raw_field(L, top, "id");
    bool single = !lua_isnil(L, -1);
    lua_pop(L, 1);
    auto one = [&](int idx) {
        Case c;
        if (!r.read_case(idx, c)) return false;
        c.suite = suite;
        out.push_back(std::move(c));
        return true;
    };
    if (single) {
        if (!one(top)) {
            error = r.error();
            return false;
        }
        return true;
    }
    for (lua_Integer i = 1; lua_rawgeti(L, top, i) != LUA_TNIL; ++i) {
        bool ok = one(-1);
        lua_pop(L, 1);
        if (!ok) {
            error = r.error();
            return false;
        }
    }
    return true;
}

bool load_case_dir(const std::string& dir, const std::string& lib_dir, const std::string& suite,
                   std::vector<Case>& out, std::string& error) {
    DIR* d = opendir(dir.c_str());
    if (!d) {
        error = dir + ": cannot open the directory";
        return false;
    }
    std::vector<std::string> files;
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() > 4 && n.compare(n.size() - 4, 4, ".lua") == 0) files.push_back(dir + "/" + n);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    for (const std::string& f : files)
        if (!load_case_file(f, lib_dir, suite, out, error)) return false;
    return true;
}

}  // namespace sipstorm::conform
