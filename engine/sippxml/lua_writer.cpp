#include "sippxml/lua_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "script/lua_util.hpp"
#include "sip/header_names.hpp"
#include "sip/method.hpp"
#include "sip/template_compile.hpp"
#include "sippxml/keywords.hpp"

namespace sipstorm::sippxml {
namespace {

using script::is_identifier;

std::string sanitize(std::string_view s, const char* prefix) {
    std::string out = prefix;
    for (char c : s)
        out.push_back((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
    return out;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out.push_back(c);
        }
    }
    return out + "\"";
}

// A message as a long bracket string whose level the text does not close, its lines indented (the
// template compiler strips the common indentation) and its blank edges dropped.
std::string long_string(const std::string& text) {
    std::string eq;
    while (text.find("]" + eq + "]") != std::string::npos) eq += "=";
    size_t begin = 0;
    while (begin < text.size() && text[begin] == '\n') ++begin;
    size_t end = text.size();
    while (end > begin && text[end - 1] == '\n') --end;
    std::string body;
    size_t pos = begin;
    while (pos < end) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos || eol > end) eol = end;
        body += (eol > pos ? "        " : "") + text.substr(pos, eol - pos) + "\n";
        pos = eol + 1;
    }
    return "[" + eq + "[\n" + body + "      ]" + eq + "]";
}

std::string number(double v) {
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof(buf), "%.0f", v);
    else
        std::snprintf(buf, sizeof(buf), "%.17g", v);
    return buf;
}

const char* kHelpers =
    R"lua(-- SIPp keeps numbers in variables as doubles and prints them with %f; these helpers do the same.
local function num(s) return tonumber(s) or 0 end
local function f(x) return string.format("%f", x) end
local function set(s) return s ~= nil and s ~= "false" end
local function strcmp(a, b)
  a, b = a or "", b or ""
  for i = 1, math.min(#a, #b) do
    local d = a:byte(i) - b:byte(i)
    if d ~= 0 then return d end
  end
  return (a:byte(#b + 1) or 0) - (b:byte(#a + 1) or 0)
end
local function urlencode(s)
  return ((s or ""):gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end))
end
local function urldecode(s)
  return ((s or ""):gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end
)lua";

class Writer {
  public:
    Writer(const ua::Program& p, const XmlCompileResult& r, std::string& out, std::string& error)
        : p_(p), r_(r), out_(out), error_(error) {}

    bool write() {
        names();
        std::string steps;
        for (size_t i = 0; i < p_.steps.size(); ++i)
            if (!step(i, steps)) return false;
        if (!fails_.empty()) {
            steps += "    { jump = \"sipp_end\" },  -- past the failure steps the actions jump to\n";
            for (const auto& [label, reason] : fails_)
                steps += "    { label = " + quote(label) + ", fail = " + quote(reason) + " },\n";
        }
        if (!fails_.empty() || need_end_) steps += "    { label = \"sipp_end\" },\n";
        out_ = "-- " + p_.name + ": imported from " + p_.file + " by `sipstorm import`.\n";
        out_ += "-- SIPp's [keywords] are ${slots} here; see README, \"Coming from SIPp\".\n";
        for (const Note& n : r_.notes)
            if (n.line == 0) out_ += "-- note: " + n.text + "\n";
        if (uses_helpers_) out_ += kHelpers;
        out_ += "\nreturn {\n  name = " + quote(p_.name) +
                ",\n  role = " + (p_.role == ua::Role::kUac ? "\"uac\"" : "\"uas\"") + ",\n";
        out_ += "  params = {";
        bool first = true;
        for (const auto& [k, v] : p_.params) {
            out_ += std::string(first ? " " : ", ") + k + " = " + quote(v);
            first = false;
        }
        out_ += " },  -- duration: SIPp's -d for <pause/>; pid: SIPp's [pid] when this was imported\n";
        if (!r_.auth_user_text.empty() || !r_.auth_password_text.empty())
            out_ += "  auth = { username = " + quote(rename(r_.auth_user_text)) +
                    ", password = " + quote(rename(r_.auth_password_text)) + " },\n";
        if (!declared_.empty()) {
            out_ += "  vars = {";
            for (size_t i = 0; i < declared_.size(); ++i) out_ += (i ? ", " : " ") + quote(declared_[i]);
            out_ += " },\n";
        }
        out_ += "  steps = {\n" + steps + "  },\n}\n";
        return true;
    }

  private:
    void names() {
        std::set<std::string> captured;
        for (const ua::Step& s : p_.steps)
            for (const ua::Capture& c : s.captures) captured.insert(p_.variables[c.var]);
        for (const std::string& v : p_.variables) {
            std::string n = is_identifier(v) && !sip::is_builtin_slot_name(v) && !p_.params.count(v)
                                ? v
                                : sanitize(v, "v_");
            var_names_.push_back(n);
            // A timer's hidden variables are the Lua scenario's too, made by its timer_* keys.
            if (!captured.count(v) && !v.starts_with(ua::kHiddenVariable)) declared_.push_back(n);
        }
        // Steps that write nothing (an empty nop, a dropped ACK): a jump there goes to the next one.
        written_.assign(p_.steps.size() + 1, static_cast<int>(p_.steps.size()));
        for (size_t i = p_.steps.size(); i-- > 0;) {
            const ua::Step& st = p_.steps[i];
            const bool empty = st.kind == ua::StepKind::kNop && st.ops.empty() && st.next < 0 &&
                               st.counter < 0 && st.timer_start < 0 && st.timer_stop < 0;
            written_[i] = empty ? written_[i + 1] : static_cast<int>(i);
        }
        for (const auto& [name, index] : p_.labels) {
            const int at = written_[static_cast<size_t>(index)];
            if (at >= static_cast<int>(p_.steps.size())) continue;  // the end: "sipp_end"
            if (!step_labels_.count(at))
                step_labels_[at] = is_identifier(name) ? name : sanitize(name, "label_");
        }
    }

    const std::string& var(int i) const { return var_names_[static_cast<size_t>(i)]; }

    // Variable names in ${...} of a translated text, renamed to their Lua names.
    std::string rename(const std::string& text) const {
        std::string out;
        size_t pos = 0;
        while (pos < text.size()) {
            size_t open = text.find("${", pos);
            if (open == std::string::npos) break;
            size_t close = text.find('}', open);
            if (close == std::string::npos) break;
            out += text.substr(pos, open + 2 - pos);
            std::string name = text.substr(open + 2, close - open - 2);
            auto it = std::find(p_.variables.begin(), p_.variables.end(), name);
            out +=
                it == p_.variables.end() ? name : var_names_[static_cast<size_t>(it - p_.variables.begin())];
            pos = close;
        }
        return out + text.substr(pos);
    }

    std::string label_of_step(int index) {
        auto it = step_labels_.find(index);
        if (it != step_labels_.end()) return it->second;
        std::string n = "step_" + std::to_string(index + 1);
        step_labels_[index] = n;
        return n;
    }

    std::string label_of(int index) {
        const int at = written_[static_cast<size_t>(std::min<int>(index, static_cast<int>(p_.steps.size())))];
        if (at >= static_cast<int>(p_.steps.size())) {
            need_end_ = true;
            return "sipp_end";
        }
        return label_of_step(at);
    }

    bool fail(const ua::Step& s, std::string why) {
        error_ = p_.file + ":" + std::to_string(s.source_line) + ": import: " + why;
        return false;
    }

    std::string comments(const ua::Step& s, size_t i) {
        std::string c;
        for (const Note& n : r_.notes)
            if (n.line == static_cast<int>(s.source_line) &&
                noted_.insert(n.line * 1000 + (&n - r_.notes.data())).second)
                c += "    -- " + n.text + "\n";
        if (i < r_.step_elements.size())
            c = "    -- " + r_.step_elements[i]->name + ", line " + std::to_string(s.source_line) + "\n" + c;
        return c;
    }

    bool hook(const ua::Step& s, std::string& code) {
        std::string body;
        for (const ua::VarOp& op : s.ops) {
            uses_helpers_ = true;
            const std::string operand =
                op.operand_var >= 0 ? "num(v." + var(op.operand_var) + ")" : number(op.value);
            switch (op.kind) {
                case ua::VarOpKind::kAssign:
                    body += "v." + var(op.dest) + " = f(" + operand + ")";
                    break;
                case ua::VarOpKind::kAdd:
                case ua::VarOpKind::kSubtract:
                case ua::VarOpKind::kMultiply:
                case ua::VarOpKind::kDivide: {
                    const char* sign = op.kind == ua::VarOpKind::kAdd        ? " + "
                                       : op.kind == ua::VarOpKind::kSubtract ? " - "
                                       : op.kind == ua::VarOpKind::kMultiply ? " * "
                                                                             : " / ";
                    body += "v." + var(op.dest) + " = f(num(v." + var(op.dest) + ")" + sign + operand + ")";
                    break;
                }
                case ua::VarOpKind::kTest: {
                    static const char* kOps[] = {" == ", " ~= ", " > ", " < ", " >= ", " <= "};
                    body += "v." + var(op.dest) + " = (num(v." + var(op.src) + ")" +
                            kOps[static_cast<int>(op.compare)] + operand + ") and \"true\" or \"false\"";
                    break;
                }
                case ua::VarOpKind::kStrcmp:
                    body += "v." + var(op.dest) + " = f(strcmp(v." + var(op.src) + ", " +
                            (op.operand_var >= 0 ? "v." + var(op.operand_var) : quote(op.text)) + "))";
                    break;
                case ua::VarOpKind::kToDouble:
                    body += "v." + var(op.dest) + " = f(num(v." + var(op.src) + "))";
                    break;
                case ua::VarOpKind::kUrlEncode:
                case ua::VarOpKind::kUrlDecode:
                    body += "v." + var(op.dest) + " = " +
                            (op.kind == ua::VarOpKind::kUrlEncode ? "urlencode" : "urldecode") + "(v." +
                            var(op.src >= 0 ? op.src : op.dest) + ")";
                    break;
                case ua::VarOpKind::kSetText:
                    body += "v." + var(op.dest) + " = " + quote(op.text);
                    break;
                case ua::VarOpKind::kCopy:
                    body += "v." + var(op.dest) + " = v." + var(op.src);
                    break;
                case ua::VarOpKind::kSample:
                    if (op.dist.dist != ua::Distribution::kUniform &&
                        op.dist.dist != ua::Distribution::kFixed)
                        return fail(
                            s, "<sample> of this distribution has no Lua form yet (uniform and fixed do)");
                    body += "v." + var(op.dest) + " = f(" + number(op.dist.a_ms) +
                            (op.dist.dist == ua::Distribution::kUniform
                                 ? " + (" + number(op.dist.b_ms) + " - " + number(op.dist.a_ms) +
                                       ") * math.random()"
                                 : std::string()) +
                            ")";
                    break;
                case ua::VarOpKind::kGettimeofday:
                    return fail(s, "<gettimeofday> has no Lua form (the sandbox has no clock)");
                case ua::VarOpKind::kJump:
                    if (op.src >= 0) return fail(s, "<jump variable=...> has no Lua form yet");
                    body += "do return " + quote(label_of(op.target)) + " end";
                    break;
                case ua::VarOpKind::kFail: {
                    const std::string label = "sipp_fail_" + std::to_string(fails_.size() + 1);
                    fails_.push_back({label, op.text});
                    body += "do return " + quote(label) + " end  -- <error>";
                    break;
                }
                case ua::VarOpKind::kSetDest:
                    return fail(s, "<setdest> has no Lua form yet");
                case ua::VarOpKind::kVerifyAuth:
                    return fail(
                        s,
                        "<verifyauth> has no Lua form yet (check_auth verifies against the scenario's auth)");
                case ua::VarOpKind::kStop:
                    need_end_ = true;
                    body += "do return \"sipp_end\" end  -- exec int_cmd=\"stop_call\"";
                    break;
            }
            body += "\n";
        }
        if (s.next >= 0 && (s.next_test >= 0 || s.next_chance < 1.0f)) {
            std::string cond;
            if (s.next_test >= 0) cond = "set(v." + var(s.next_test) + ")";
            if (s.next_chance < 1.0f)
                cond +=
                    (cond.empty() ? "" : " and ") + std::string("math.random() < ") + number(s.next_chance);
            uses_helpers_ = true;
            body += "if " + cond + " then return " + quote(label_of(s.next)) + " end\n";
        }
        if (body.empty()) return true;
        code = "hook = function(msg, call)\n        local v = call.vars\n";
        size_t pos = 0;
        while (pos < body.size()) {
            size_t eol = body.find('\n', pos);
            code += "        " + body.substr(pos, eol - pos + 1);
            pos = eol + 1;
        }
        code += "      end";
        return true;
    }

    bool captures(const ua::Step& s, std::string& out) {
        if (s.captures.empty()) return true;
        out = "capture = {\n";
        for (const ua::Capture& c : s.captures) {
            if (c.from_var >= 0) return fail(s, "<ereg search_in=\"var\"> has no Lua form yet");
            std::string spec;
            if (c.header != sip::HeaderId::kOther)
                spec += "header = " + quote(sip::header_name(c.header)) + ", ";
            else if (!c.header_name.empty())
                spec += "header = " + quote(c.header_name) + ", ";
            if (c.regex >= 0) spec += "regex = " + quote(p_.regexes[static_cast<size_t>(c.regex)]) + ", ";
            spec += "group = " + std::to_string(c.group);
            if (c.body) spec += ", body = true";
            if (c.required) spec += ", required = true";
            if (c.occurrence != 1) spec += ", occurrence = " + std::to_string(c.occurrence);
            if (c.start_line) spec += ", start_line = true";
            if (c.regex >= 0 && static_cast<size_t>(c.regex) < p_.regex_icase.size() &&
                p_.regex_icase[static_cast<size_t>(c.regex)])
                spec += ", icase = true";
            out += "        " + var(c.var) + " = { " + spec + " },\n";
        }
        out += "      }";
        return true;
    }

    std::string pause(const ua::Step& s, size_t i) {
        if (std::find(r_.duration_pauses.begin(), r_.duration_pauses.end(), i) != r_.duration_pauses.end())
            return "pause = \"${duration}\"";
        const ua::PauseSpec& ps = s.pause;
        switch (ps.dist) {
            case ua::Distribution::kFixed:
                return "pause = " + number(ps.a_ms);
            case ua::Distribution::kUniform:
                return "pause = { dist = \"uniform\", min = " + number(ps.a_ms) +
                       ", max = " + number(ps.b_ms) + " }";
            case ua::Distribution::kExponential:
                return "pause = { dist = \"exponential\", mean = " + number(ps.a_ms) + " }";
            case ua::Distribution::kNormal:
                return "pause = { dist = \"normal\", mean = " + number(ps.a_ms) +
                       ", stddev = " + number(ps.b_ms) + " }";
            case ua::Distribution::kLogNormal:
                return "pause = { dist = \"lognormal\", mean = " + number(ps.a_ms) +
                       ", stddev = " + number(ps.b_ms) +
                       " }  -- the pause's own mean and deviation (SIPp's are of its logarithm)";
        }
        return {};
    }

    bool step(size_t i, std::string& steps) {
        const ua::Step& s = p_.steps[i];
        std::vector<std::string> keys;
        std::string hook_code, capture_code;
        if (!hook(s, hook_code) || !captures(s, capture_code)) return false;
        const bool conditional = s.next >= 0 && (s.next_test >= 0 || s.next_chance < 1.0f);
        switch (s.kind) {
            case ua::StepKind::kSend:
                if (r_.template_text[s.template_index].find("${" + std::string(kFillSlotPrefix)) !=
                    std::string::npos)
                    return fail(s, "[fill] has no Lua form yet");
                keys.push_back("send = " + long_string(rename(r_.template_text[s.template_index])));
                break;
            case ua::StepKind::kRecv: {
                auto form = [](const ua::RecvMatch& m) {
                    return m.request ? quote(sip::method_text(m.method)) : std::to_string(m.code_lo);
                };
                std::string forms;
                for (const ua::RecvMatch& m : s.matches) {
                    if (!m.request && m.method != sip::Method::kUnknown)
                        return fail(s, "response_txn has no Lua form yet");
                    forms += (forms.empty() ? "" : ", ") + form(m);
                }
                keys.push_back("recv = " + (s.matches.size() == 1 ? forms : "{ " + forms + " }"));
                if (s.optional)
                    keys.push_back(std::find(p_.global_recvs.begin(), p_.global_recvs.end(),
                                             static_cast<int>(i)) != p_.global_recvs.end()
                                       ? "optional = \"global\""
                                       : "optional = true");
                if (s.timeout_ms) keys.push_back("timeout = " + std::to_string(s.timeout_ms));
                if (s.on_timeout >= 0) keys.push_back("on_timeout = " + quote(label_of(s.on_timeout)));
                if (!capture_code.empty()) keys.push_back(capture_code);
                break;
            }
            case ua::StepKind::kPause:
                if (s.pause.var >= 0) return fail(s, "<pause variable=...> has no Lua form yet");
                keys.push_back(pause(s, i));
                break;
            case ua::StepKind::kNop:
                if (written_[i] != static_cast<int>(i)) {  // nothing to do: a comment
                    steps += comments(s, i);
                    return true;
                }
                break;
            case ua::StepKind::kMedia: {
                const media::MediaAction& m = p_.media[static_cast<size_t>(s.media)];
                using K = media::MediaAction::Kind;
                if (m.kind == K::kStop) {
                    keys.push_back("rtp = \"stop\"");
                } else if (m.kind == K::kEcho) {
                    keys.push_back("rtp = { echo = true }");
                } else if (m.kind == K::kPlay && m.clip) {
                    std::string spec =
                        "play = " + quote((m.clip->is_capture() ? "pcap:" : "") + m.clip->source);
                    if (!m.clip->is_capture() && m.clip->codec == media::Codec::kPcma)
                        spec += ", codec = \"PCMA\"";
                    if (m.loop) spec += ", loop = true";
                    if (m.duration_ns)
                        spec += ", duration = \"" + number(static_cast<double>(m.duration_ns) / 1e6) + "ms\"";
                    keys.push_back("rtp = { " + spec + " }");
                } else {
                    return fail(s, "this media step has no Lua form");
                }
                break;
            }
            default:
                return fail(s, "a step of this kind has no Lua form");
        }
        if (s.next >= 0 && !conditional) keys.push_back("next = " + quote(label_of(s.next)));
        if (s.counter >= 0)
            keys.push_back("count = " + quote(p_.counter_names[static_cast<size_t>(s.counter)]));
        if (s.timer_start >= 0)
            keys.push_back("timer_start = " + quote(p_.timer_names[static_cast<size_t>(s.timer_start)]));
        if (s.timer_stop >= 0)
            keys.push_back("timer_stop = " + quote(p_.timer_names[static_cast<size_t>(s.timer_stop)]));
        if (s.timer_repeat) keys.push_back("timer_repeat = true");
        if (s.lost > 0) keys.push_back("lost = " + number(s.lost * 100.0));
        if (!hook_code.empty()) keys.push_back(hook_code);
        std::string label;
        auto it = step_labels_.find(static_cast<int>(i));
        if (it != step_labels_.end()) label = it->second;
        if (s.kind == ua::StepKind::kNop && label.empty()) label = label_of_step(static_cast<int>(i));
        if (!label.empty()) keys.insert(keys.begin(), "label = " + quote(label));
        steps += comments(s, i) + "    { ";
        for (size_t k = 0; k < keys.size(); ++k) steps += (k ? ",\n      " : "") + keys[k];
        steps += " },\n";
        return true;
    }

    const ua::Program& p_;
    const XmlCompileResult& r_;
    std::string& out_;
    std::string& error_;
    std::vector<std::string> var_names_, declared_;
    std::map<int, std::string> step_labels_;
    std::vector<int> written_;  // step -> the step written for it (itself, or the next non-empty one)
    std::vector<std::pair<std::string, std::string>> fails_;
    std::set<int> noted_;
    bool need_end_ = false, uses_helpers_ = false;
};

}  // namespace

bool write_lua(const ua::Program& program, const XmlCompileResult& compiled, std::string& out,
               std::string& error) {
    Writer w(program, compiled, out, error);
    if (!w.write()) return false;
    return true;
}

}  // namespace sipstorm::sippxml
