#include "sippxml/compiler.hpp"

#include <regex.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "media/clip.hpp"
#include "sip/header_names.hpp"
#include "sip/method.hpp"
#include "sip/template_compile.hpp"
#include "sippxml/keywords.hpp"
#include "stats/counters.hpp"
#include "ua/call.hpp"

namespace sipstorm::sippxml {
namespace {

using Attrs = std::vector<std::pair<std::string, std::string>>;

bool is_command(std::string_view n) {
    return n == "send" || n == "recv" || n == "pause" || n == "nop" || n == "timewait" || n == "sendCmd" ||
           n == "recvCmd";
}

bool parse_number(const std::string& s, double& v) {
    if (s.empty()) return false;
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    while (end && (*end == ' ' || *end == '\t')) ++end;
    return end && *end == '\0' && std::isfinite(v);
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        if (comma == std::string::npos) comma = s.size();
        std::string item = s.substr(pos, comma - pos);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) out.push_back(item);
        pos = comma + 1;
    }
    return out;
}

class Compiler {
  public:
    Compiler(const std::string& path, const std::map<std::string, std::string>& params,
             const script::CompileOptions& options, ua::Program& out, script::CompileError& err,
             XmlCompileResult& result)
        : path_(path), overrides_(params), options_(options), out_(out), err_(err), res_(result) {}

    bool compile() {
        const Element& root = res_.root;
        if (root.name != "scenario")
            return fail(root.line, "the document element must be <scenario>, not <" + root.name + ">");
        for (const auto& [k, v] : root.attrs)
            if (k != "name") return fail(root.line, "<scenario>: unknown attribute '" + k + "'");
        const std::string* name = root.attr("name");
        out_.name = name && !name->empty() ? *name : std::filesystem::path(path_).stem().string();
        out_.params = {{"service", "service"}, {"duration", "0"}, {"pid", std::to_string(getpid())}};
        // Any other --set NAME=VALUE is a keyword [NAME] (SIPp's -key) and presets the variable [$NAME]
        // (SIPp's -set).
        std::vector<std::pair<std::string, std::string>> presets;
        for (const auto& [k, v] : overrides_) {
            const bool known = out_.params.count(k) != 0;
            out_.params[k] = v;
            if (!known) presets.emplace_back(k, v);
        }
        if (!prescan(root) || !role(root)) return false;
        std::vector<ua::VarOp> preset_ops;
        for (const auto& [k, v] : presets) {
            add_variable(k);
            ua::VarOp op;
            op.kind = ua::VarOpKind::kSetText;
            op.dest = variable(k);
            op.text = v;
            preset_ops.push_back(op);
        }
        if (!preset_ops.empty() && out_.role == ua::Role::kUac) {  // before the first message
            ua::Step nop;
            nop.kind = ua::StepKind::kNop;
            nop.ops = preset_ops;
            out_.steps.push_back(nop);
            res_.step_elements.push_back(&root);
        }
        if (!commands(root)) return false;
        if (!preset_ops.empty() && out_.role == ua::Role::kUas)  // with the request that opens the call
            out_.steps[0].ops.insert(out_.steps[0].ops.begin(), preset_ops.begin(), preset_ops.end());
        return resolve_labels() && checks();
    }

  private:
    bool fail(int line, std::string message) {
        err_ = {path_, line, std::move(message)};
        return false;
    }

    // ---- pass 1: variables, labels, command numbering

    void add_variable(const std::string& n) {
        if (std::find(out_.variables.begin(), out_.variables.end(), n) == out_.variables.end())
            out_.variables.push_back(n);
    }

    int variable(const std::string& n) const {
        auto it = std::find(out_.variables.begin(), out_.variables.end(), n);
        return it == out_.variables.end() ? -1 : static_cast<int>(it - out_.variables.begin());
    }

    bool prescan(const Element& root) {
        int index = 0;
        for (const Element& e : root.children) {
            if (e.name == "label") {
                const std::string* id = e.attr("id");
                if (!id || id->empty()) return fail(e.line, "<label> needs an id");
                if (label_msg_.count(*id)) return fail(e.line, "label '" + *id + "' is defined twice");
                label_msg_[*id] = index;
            }
            if (is_command(e.name)) ++index;
            for (const Element& c : e.children) {
                if (c.name != "action") continue;
                for (const Element& a : c.children) {
                    const std::string* to = a.attr("assign_to");
                    if (to)
                        for (const std::string& v : split_list(*to)) add_variable(v);
                    if (a.name == "urlencode" || a.name == "urldecode")
                        if (const std::string* v = a.attr("variable")) add_variable(*v);
                }
            }
        }
        return true;
    }

    bool role(const Element& root) {
        for (const Element& e : root.children) {
            if (e.name == "send" || e.name == "sendCmd") {
                out_.role = ua::Role::kUac;
                return true;
            }
            if (e.name == "recv" || e.name == "recvCmd") {
                out_.role = ua::Role::kUas;
                return true;
            }
        }
        return fail(root.line, "the scenario has no <send> or <recv>");
    }

    // ---- pass 2: commands into steps

    bool commands(const Element& root) {
        const Element* previous = nullptr;
        for (const Element& e : root.children) {
            const size_t before = out_.steps.size();
            bool ok = true;
            if (e.name == "send") {
                ok = send(e, previous);
            } else if (e.name == "recv") {
                ok = recv(e);
            } else if (e.name == "pause" || e.name == "timewait") {
                ok = pause(e);
            } else if (e.name == "nop") {
                ok = nop(e);
            } else if (e.name == "label") {
                ok = label(e);
            } else if (e.name == "sendCmd" || e.name == "recvCmd") {
                return fail(e.line, "<" + e.name + "> (3PCC) is not supported");
            } else if (e.name == "Reference") {
                ok = only_attrs(e, {"variables"}) && no_children(e);
                if (ok && e.attr("variables"))
                    for (const std::string& v : split_list(*e.attr("variables")))
                        if (variable(v) < 0)
                            return fail(e.line, "<Reference>: no action assigns the variable '" + v + "'");
            } else if (e.name == "ResponseTimeRepartition" || e.name == "CallLengthRepartition") {
                ok = only_attrs(e, {"value"}) && no_children(e);
                if (ok && e.attr("value"))
                    (e.name[0] == 'R' ? res_.response_time_repartition : res_.call_length_repartition) =
                        split_list(*e.attr("value"));
            } else {
                return fail(e.line, "unknown element <" + e.name + ">");
            }
            if (!ok) return false;
            if (options_.rtp_echo && is_command(e.name) && msg_steps_.empty()) {  // the call's first message
                media::MediaAction echo;
                echo.kind = media::MediaAction::Kind::kEcho;
                pending_media_.insert(pending_media_.begin(), std::move(echo));
            }
            if (!pending_media_.empty() && !place_media(e)) return false;
            if (is_command(e.name)) {
                msg_steps_.push_back(static_cast<int>(before));
                previous = &e;
            }
            for (size_t i = before; i < out_.steps.size(); ++i) {
                out_.steps[i].source_line = static_cast<uint32_t>(e.line);
                res_.step_elements.push_back(&e);
            }
        }
        if (out_.steps.empty()) return fail(root.line, "the scenario has no steps");
        return true;
    }

    // The media actions of the step just compiled become media steps after it.
    bool place_media(const Element& e) {
        const ua::Step& s = out_.steps.back();
        bool jumps = e.attr("next") != nullptr;  // resolved to s.next only after the last step
        for (const ua::VarOp& op : s.ops) jumps = jumps || op.kind == ua::VarOpKind::kJump;
        if (jumps)
            return fail(
                e.line,
                "<" + e.name + ">: a media action on a step that jumps (next=, <jump>): put it in a <nop>");
        for (media::MediaAction& m : pending_media_) {
            ua::Step step;
            step.kind = ua::StepKind::kMedia;
            step.media = static_cast<int>(out_.media.size());
            out_.media.push_back(std::move(m));
            out_.steps.push_back(std::move(step));
        }
        pending_media_.clear();
        return true;
    }

    bool only_attrs(const Element& e, std::initializer_list<std::string_view> allowed) {
        for (const auto& [k, v] : e.attrs) {
            if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
            std::string list;
            for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            return fail(e.line, "<" + e.name + ">: unknown or unsupported attribute '" + k + "'" +
                                    (list.empty() ? "" : " (supported: " + list + ")"));
        }
        return true;
    }

    bool no_children(const Element& e) {
        if (!e.children.empty())
            return fail(e.children[0].line, "<" + e.name + "> takes no <" + e.children[0].name + ">");
        return true;
    }

    bool boolean(const Element& e, const char* key, bool& v) {
        const std::string* s = e.attr(key);
        if (!s) return true;
        if (*s == "true" || *s == "1") {
            v = true;
        } else if (*s == "false" || *s == "0") {
            v = false;
        } else {
            return fail(e.line, "<" + e.name + ">: " + key + " must be true or false, not '" + *s + "'");
        }
        return true;
    }

    // next / test / chance, on any command.
    bool branch(const Element& e, ua::Step& step) {
        if (const std::string* n = e.attr("next"))
            refs_.push_back({out_.steps.size(), &ua::Step::next, *n, e.line});
        if (const std::string* t = e.attr("test")) {
            if (!e.attr("next")) return fail(e.line, "<" + e.name + ">: test needs next");
            step.next_test = variable(*t);
            if (step.next_test < 0)
                return fail(e.line, "test=\"" + *t + "\": no action assigns that variable");
        }
        if (const std::string* c = e.attr("chance")) {
            double v = 0;
            if (!parse_number(*c, v) || v < 0 || v > 1)
                return fail(e.line, "chance must be a probability from 0 to 1, not '" + *c + "'");
            if (!e.attr("next")) return fail(e.line, "<" + e.name + ">: chance needs next");
            step.next_chance = static_cast<float>(v);
        }
        for (const char* k : {"condexec", "condexec_inverse"})
            if (e.attr(k)) return fail(e.line, "<" + e.name + ">: " + k + " is not supported yet");
        if (const std::string* c = e.attr("counter")) {
            const int i = out_.counter_index(*c);
            if (i < 0)
                return fail(e.line, "counter=\"" + *c + "\": a scenario has " +
                                        std::to_string(stats::kScenarioCounters) + " counters at most");
            step.counter = static_cast<int8_t>(i);
        }
        for (auto [key, field] :
             {std::pair{"start_rtd", &ua::Step::timer_start}, {"rtd", &ua::Step::timer_stop}}) {
            const std::string* t = e.attr(key);
            if (!t) continue;
            const int i = out_.timer_index(*t == "true" ? "1" : *t);
            if (i < 0)
                return fail(e.line, std::string(key) + "=\"" + *t + "\": a scenario has " +
                                        std::to_string(stats::kScenarioTimers) +
                                        " response-time timers at most");
            step.*field = static_cast<int8_t>(i);
        }
        if (!boolean(e, "repeat_rtd", step.timer_repeat)) return false;
        if (step.timer_repeat && step.timer_stop < 0) return fail(e.line, "repeat_rtd needs rtd");
        return true;
    }

    void note(int line, std::string text) {
        for (const Note& n : res_.notes)
            if (n.line == line && n.text == text) return;
        res_.notes.push_back({line, std::move(text)});
    }

    static constexpr std::string_view kCommon[] = {"next", "test",      "chance",           "crlf",
                                                   "rtd",  "start_rtd", "repeat_rtd",       "display",
                                                   "hide", "condexec",  "condexec_inverse", "counter"};

    bool allowed(const Element& e, std::initializer_list<std::string_view> own) {
        for (const auto& [k, v] : e.attrs) {
            if (std::find(own.begin(), own.end(), k) != own.end()) continue;
            if (std::find(std::begin(kCommon), std::end(kCommon), k) != std::end(kCommon)) continue;
            return fail(e.line, "<" + e.name + ">: unknown or unsupported attribute '" + k + "'");
        }
        return true;
    }

    // The message text of a send into a template.
    bool message(const Element& e, uint16_t& index) {
        std::string text = e.text;
        if (text.find_first_not_of(" \t\r\n") == std::string::npos)
            return fail(e.line, "<send> without a message (put it in <![CDATA[ ... ]]>)");
        KeywordContext kc;
        kc.is_variable = [this](std::string_view v) { return variable(std::string(v)) >= 0; };
        kc.is_param = [this](std::string_view v) { return out_.params.count(std::string(v)) != 0; };
        kc.pid = "${pid}";
        kc.fill = [this](const std::string& var, const std::string& text) {
            out_.fills.push_back({variable(var), text});
            return static_cast<int>(out_.fills.size() - 1);
        };
        const size_t start = text.find_first_not_of(" \t\r\n");
        if (text.compare(start, 8, "SIP/2.0 ") == 0 && last_request_ == "INVITE") {
            kc.last_prefix = "invite_";
            note(
                e.line,
                "[last_*] of this response are the INVITE's (${invite_*}), so its retransmissions keep them");
        }
        std::string translated;
        KeywordError kerr;
        const int base = e.text_line ? e.text_line : e.line;
        if (!translate_message(text, kc, translated, kerr)) return fail(base + kerr.line, kerr.message);
        if (kc.auth_seen && !credentials(kc, base + kc.auth_line)) return false;
        sip::Template t;
        sip::TemplateError terr;
        sip::SlotResolver resolver = [this](std::string_view name, sip::Slot& slot, uint16_t& arg,
                                            std::string& why) { return resolve(name, slot, arg, why); };
        if (!sip::compile_template(translated, out_.params, t, terr, resolver))
            return fail(base + std::max(0, terr.line - 1), terr.message);
        index = static_cast<uint16_t>(out_.templates.size());
        out_.templates.push_back(std::move(t));
        res_.template_text.push_back(std::move(translated));
        return true;
    }

    // [authentication username=.. password=..]: the program's credentials (or --auth, -au/-ap).
    bool credentials(const KeywordContext& kc, int line) {
        res_.auth_user_text = kc.auth_user;
        res_.auth_password_text = kc.auth_password;
        if (options_.has_auth) {
            out_.auth_user.literal = options_.auth_user;
            out_.auth_password.literal = options_.auth_password;
            return true;
        }
        for (auto [text, cred] :
             {std::pair{&kc.auth_user, &out_.auth_user}, {&kc.auth_password, &out_.auth_password}}) {
            if (text->empty()) continue;
            if (text->find("${") == std::string::npos) {
                cred->literal = *text;
                continue;
            }
            sip::Slot slot = sip::Slot::kLiteral;
            uint16_t arg = 0;
            std::string why;
            const bool single =
                text->starts_with("${") && text->back() == '}' && text->find("${", 2) == std::string::npos;
            if (!single ||
                resolve(std::string_view(*text).substr(2, text->size() - 3), slot, arg, why) <= 0 ||
                slot != sip::Slot::kField)
                return fail(line, "[authentication]: a username or password is a literal or one [fieldN]" +
                                      (why.empty() ? std::string() : ": " + why));
            cred->field = arg;
        }
        if (out_.auth_password.literal.empty() && out_.auth_password.field < 0)
            return fail(line,
                        "[authentication] needs credentials: username=.. password=.. in the keyword, or "
                        "--auth user:password (SIPp's -au/-ap)");
        return true;
    }

    int resolve(std::string_view n, sip::Slot& slot, uint16_t& arg, std::string& why) {
        if (n.starts_with(kFillSlotPrefix)) {
            slot = sip::Slot::kFill;
            arg = static_cast<uint16_t>(std::atoi(std::string(n.substr(kFillSlotPrefix.size())).c_str()));
            return 1;
        }
        const int v = variable(std::string(n));
        if (v >= 0) {
            slot = sip::Slot::kVar;
            arg = static_cast<uint16_t>(v);
            return 1;
        }
        const size_t dot = n.find('.');
        std::string_view file = dot == std::string_view::npos ? std::string_view() : n.substr(0, dot);
        std::string_view field = dot == std::string_view::npos ? n : n.substr(dot + 1);
        if (!field.starts_with("field")) return 0;
        if (!options_.injection || options_.injection->size() == 0) {
            why = "no injection file given (SIPp's -inf, sipstorm's --inf FILE)";
            return -1;
        }
        data::FieldRef ref;
        if (!options_.injection->resolve(file, field, ref, why)) return -1;
        slot = sip::Slot::kField;
        arg = out_.field_index(static_cast<uint16_t>(ref.file), static_cast<uint16_t>(ref.field));
        return 1;
    }

    // The element's <action> children into captures (ereg, recv only) and variable operations.
    bool actions(const Element& e, ua::Step& step, bool received) {
        for (const Element& c : e.children) {
            if (c.name != "action")
                return fail(c.line, "<" + e.name + "> takes <action>, not <" + c.name + ">");
            if (!only_attrs(c, {})) return false;
            for (const Element& a : c.children)
                if (!action(a, step, received)) return false;
        }
        return true;
    }

    int var_attr(const Element& a, const char* key, bool required) {
        const std::string* v = a.attr(key);
        if (!v) {
            if (required) fail(a.line, "<" + a.name + "> needs " + key);
            return required ? -2 : -1;
        }
        int i = variable(*v);
        if (i < 0) {
            fail(a.line, "<" + a.name + ">: no action assigns the variable '" + *v + "'");
            return -2;
        }
        return i;
    }

    // value="N" or variable="x" (the operand of add, test, ...).
    bool operand(const Element& a, ua::VarOp& op, const char* var_key) {
        if (const std::string* v = a.attr("value")) {
            if (!parse_number(*v, op.value))
                return fail(a.line, "<" + a.name + ">: value must be a number, not '" + *v + "'");
            return true;
        }
        op.operand_var = var_attr(a, var_key, true);
        return op.operand_var != -2;
    }

    bool action(const Element& a, ua::Step& step, bool received) {
        ua::VarOp op;
        const std::string& n = a.name;
        auto dest = [&]() {
            const std::string* to = a.attr("assign_to");
            if (!to) return fail(a.line, "<" + n + "> needs assign_to");
            auto names = split_list(*to);
            if (names.empty()) return fail(a.line, "<" + n + "> needs assign_to");
            op.dest = variable(names[0]);
            if (names.size() > 1) op.dest2 = variable(names[1]);
            return true;
        };
        if (n == "ereg") return ereg(a, step, received);
        if (n == "assign" || n == "add" || n == "subtract" || n == "multiply" || n == "divide") {
            if (!only_attrs(a, {"assign_to", "value", "variable"}) || !dest()) return false;
            op.kind = n == "assign"     ? ua::VarOpKind::kAssign
                      : n == "add"      ? ua::VarOpKind::kAdd
                      : n == "subtract" ? ua::VarOpKind::kSubtract
                      : n == "multiply" ? ua::VarOpKind::kMultiply
                                        : ua::VarOpKind::kDivide;
            if (!operand(a, op, "variable")) return false;
            if (op.kind == ua::VarOpKind::kDivide && op.operand_var < 0 && op.value == 0)
                return fail(a.line, "<divide>: division by zero");
        } else if (n == "test") {
            if (!only_attrs(a, {"assign_to", "variable", "compare", "value", "variable2"}) || !dest())
                return false;
            op.kind = ua::VarOpKind::kTest;
            if ((op.src = var_attr(a, "variable", true)) < 0) return false;
            const std::string* c = a.attr("compare");
            static const std::pair<const char*, ua::Compare> kCompares[] = {
                {"equal", ua::Compare::kEqual},
                {"not_equal", ua::Compare::kNotEqual},
                {"greater_than", ua::Compare::kGreater},
                {"less_than", ua::Compare::kLess},
                {"greater_than_equal", ua::Compare::kGreaterEqual},
                {"less_than_equal", ua::Compare::kLessEqual},
            };
            bool found = false;
            for (auto [name, cmp] : kCompares)
                if (c && *c == name) {
                    op.compare = cmp;
                    found = true;
                }
            if (!found)
                return fail(a.line,
                            "<test>: compare must be equal, not_equal, greater_than, less_than, "
                            "greater_than_equal or less_than_equal");
            if (!operand(a, op, "variable2")) return false;
        } else if (n == "strcmp") {
            if (!only_attrs(a, {"assign_to", "variable", "value", "variable2"}) || !dest()) return false;
            op.kind = ua::VarOpKind::kStrcmp;
            if ((op.src = var_attr(a, "variable", true)) < 0) return false;
            if (const std::string* v = a.attr("value")) {
                op.text = *v;
            } else if ((op.operand_var = var_attr(a, "variable2", true)) < 0) {
                return false;
            }
        } else if (n == "todouble") {
            if (!only_attrs(a, {"assign_to", "variable"}) || !dest()) return false;
            op.kind = ua::VarOpKind::kToDouble;
            if ((op.src = var_attr(a, "variable", true)) < 0) return false;
        } else if (n == "sample") {
            if (!dest()) return false;
            op.kind = ua::VarOpKind::kSample;
            if (!distribution(a, op.dist, {"assign_to"})) return false;
        } else if (n == "gettimeofday") {
            if (!only_attrs(a, {"assign_to"}) || !dest()) return false;
            op.kind = ua::VarOpKind::kGettimeofday;
        } else if (n == "urlencode" || n == "urldecode") {
            if (!only_attrs(a, {"variable", "assign_to"})) return false;
            op.kind = n == "urlencode" ? ua::VarOpKind::kUrlEncode : ua::VarOpKind::kUrlDecode;
            if ((op.src = var_attr(a, "variable", true)) < 0) return false;
            op.dest = a.attr("assign_to") ? variable(split_list(*a.attr("assign_to"))[0]) : op.src;
        } else if (n == "jump") {
            if (!only_attrs(a, {"value", "variable"})) return false;
            op.kind = ua::VarOpKind::kJump;
            if (const std::string* v = a.attr("value")) {
                double d = 0;
                if (!parse_number(*v, d) || d < 0 || d != std::floor(d))
                    return fail(a.line, "<jump>: value must be a message index (0, 1, ...)");
                jumps_.push_back({out_.steps.size(), step.ops.size(), static_cast<int>(d), a.line});
            } else if ((op.src = var_attr(a, "variable", true)) < 0) {
                return false;
            } else {
                var_jumps_.push_back({out_.steps.size(), step.ops.size()});
            }
        } else if (n == "log" || n == "warning") {
            if (!only_attrs(a, {"message"})) return false;
            note(a.line, "<" + n + ">: no log file (SIPp writes it only with -trace_logs)");
            return true;
        } else if (n == "error") {
            if (!only_attrs(a, {"message"})) return false;
            op.kind = ua::VarOpKind::kFail;
            op.text = a.attr("message") ? *a.attr("message") : "error action";
        } else if (n == "exec") {
            if (a.attr("command"))
                return fail(a.line, "<exec command=...> is refused: scenarios are sandboxed");
            for (const char* media : {"play_pcap_image", "play_pcap_video"})
                if (a.attr(media))
                    return fail(a.line, std::string("<exec ") + media +
                                            ">: only audio is supported (RTP over G.711)");
            if (a.attr("play_pcap_audio") || a.attr("rtp_stream") || a.attr("rtp_echo"))
                return media_action(a);
            const std::string* cmd = a.attr("int_cmd");
            if (!only_attrs(a, {"int_cmd"}) || !cmd) return fail(a.line, "<exec> needs int_cmd");
            if (*cmd == "stop_call") {
                op.kind = ua::VarOpKind::kStop;
            } else {
                return fail(a.line, "<exec int_cmd=\"" + *cmd + "\">: only stop_call is supported");
            }
        } else if (n == "verifyauth") {
            if (!received)
                return fail(a.line, "<verifyauth> checks a received request: it belongs in a <recv>");
            if (!only_attrs(a, {"assign_to", "username", "password"}) || !dest()) return false;
            op.kind = ua::VarOpKind::kVerifyAuth;
            if (!literal_or_variable(a, "username", op.text, op.src) ||
                !literal_or_variable(a, "password", op.text2, op.src2))
                return false;
        } else if (n == "setdest") {
            if (!only_attrs(a, {"host", "port", "protocol"})) return false;
            const std::string* proto = a.attr("protocol");
            if (proto && *proto != "udp" && *proto != "UDP")
                return fail(a.line, "<setdest>: protocol " + *proto +
                                        ": only udp (a TCP or TLS call keeps its connection)");
            op.kind = ua::VarOpKind::kSetDest;
            if (!literal_or_variable(a, "host", op.text, op.src) ||
                !literal_or_variable(a, "port", op.text2, op.src2))
                return false;
        } else if (n == "lookup" || n == "insert" || n == "replace" || n == "trim" || n == "assignstr" ||
                   n == "index") {
            return fail(a.line, "action <" + n + "> is not supported yet");
        } else {
            return fail(a.line, "unknown action <" + n + ">");
        }
        step.ops.push_back(std::move(op));
        return true;
    }

    // SIPp's media actions onto the media engine's: play_pcap_audio="FILE" replays a capture's RTP,
    // rtp_stream="FILE.wav[,LOOPS[,PT]]" plays a WAV (LOOPS -1: for ever; PT 0 PCMU, 8 PCMA) and
    // "pause"/"stop" stop it, rtp_echo="startaudio"/"stopaudio" echoes what arrives. Each becomes a media
    // step right after the step that carries the action (commands() places it).
    bool media_action(const Element& a) {
        if (!only_attrs(a, {"play_pcap_audio", "rtp_stream", "rtp_echo"}) || a.attrs.size() != 1)
            return fail(a.line, "<exec>: one media action per <exec>");
        media::MediaAction m;
        if (const std::string* e = a.attr("rtp_echo")) {
            if (*e == "startaudio") {
                m.kind = media::MediaAction::Kind::kEcho;
            } else if (*e == "stopaudio") {
                m.kind = media::MediaAction::Kind::kStop;
            } else {
                return fail(a.line, "<exec rtp_echo=\"" + *e + "\">: startaudio or stopaudio (audio only)");
            }
            pending_media_.push_back(std::move(m));
            return true;
        }
        std::string file, codec_pt = "0";
        int loops = 1;
        if (const std::string* p = a.attr("play_pcap_audio")) {
            file = *p;
        } else {
            const auto parts = split_list(*a.attr("rtp_stream"));
            if (parts.empty()) return fail(a.line, "<exec rtp_stream>: needs a WAV file, pause or stop");
            if (parts[0] == "pause" || parts[0] == "stop") {
                m.kind = media::MediaAction::Kind::kStop;
                pending_media_.push_back(std::move(m));
                return true;
            }
            if (parts[0] == "resume")
                return fail(a.line, "<exec rtp_stream=\"resume\">: not supported (start the file again)");
            file = parts[0];
            double d = 1;
            if (parts.size() > 1 && (!parse_number(parts[1], d) || d != std::floor(d) || (d < 1 && d != -1)))
                return fail(a.line, "<exec rtp_stream>: the loop count must be -1 (for ever) or 1, 2, ...");
            loops = static_cast<int>(d);
            if (parts.size() > 2) codec_pt = parts[2];
            if (codec_pt != "0" && codec_pt != "8")
                return fail(a.line, "<exec rtp_stream>: payload type " + codec_pt + ": 0 (PCMU) or 8 (PCMA)");
        }
        const std::string path = media_file(file);
        auto clip = std::make_shared<media::Clip>();
        std::string why;
        const bool pcap = a.attr("play_pcap_audio") != nullptr;
        if (!media::load_clip((pcap ? "pcap:" : "") + path,
                              codec_pt == "8" ? media::Codec::kPcma : media::Codec::kPcmu, *clip, why))
            return fail(a.line, "<exec>: " + why);
        clip->source = path;  // where it was found: `import` writes it so
        if (loops == -1) m.loop = true;
        if (loops > 1) {
            m.loop = true;
            m.duration_ns = static_cast<uint64_t>(loops) * clip->bytes.size() * 125'000;  // 8 kHz G.711
        }
        m.clip = std::move(clip);
        pending_media_.push_back(std::move(m));
        return true;
    }

    // A media file as SIPp finds it (relative to where it runs), else beside the scenario, else among
    // the captures Debian's sip-tester installs (SIPp's own scenarios name pcap/g711a.pcap).
    std::string media_file(const std::string& name) const {
        namespace fs = std::filesystem;
        if (name.empty() || name[0] == '/' || fs::exists(name)) return name;
        const fs::path beside = fs::path(path_).parent_path() / name;
        if (fs::exists(beside)) return beside.string();
        const fs::path shared = fs::path("/usr/share/sip-tester") / fs::path(name).filename();
        return fs::exists(shared) ? shared.string() : name;
    }

    // An attribute that is a literal or exactly one [$variable].
    bool literal_or_variable(const Element& a, const char* key, std::string& text, int& var) {
        const std::string* v = a.attr(key);
        if (!v) return fail(a.line, "<" + a.name + "> needs " + key);
        if (v->size() > 3 && v->starts_with("[$") && v->back() == ']') {
            const std::string name = v->substr(2, v->size() - 3);
            if ((var = variable(name)) < 0)
                return fail(a.line, "<" + a.name + ">: no action assigns the variable '" + name + "'");
            return true;
        }
        if (v->find('[') != std::string::npos)
            return fail(a.line, "<" + a.name + ">: " + key + " is a literal or one [$variable]");
        text = *v;
        return true;
    }

    bool ereg(const Element& a, ua::Step& step, bool received) {
        if (!received) return fail(a.line, "<ereg> searches a received message: it belongs in a <recv>");
        if (!only_attrs(a, {"regexp", "search_in", "header", "case_indep", "occurence", "occurrence",
                            "start_line", "check_it", "assign_to", "variable"}))
            return false;
        const std::string* re = a.attr("regexp");
        const std::string* to = a.attr("assign_to");
        if (!re) return fail(a.line, "<ereg> needs regexp");
        if (!to) return fail(a.line, "<ereg> needs assign_to");
        bool icase = false, check = false, start = false;
        if (!boolean(a, "case_indep", icase) || !boolean(a, "check_it", check) ||
            !boolean(a, "start_line", start))
            return false;
        regex_t compiled;
        int rc = regcomp(&compiled, re->c_str(), REG_EXTENDED | (icase ? REG_ICASE : 0));
        if (rc != 0) {
            char buf[256];
            regerror(rc, &compiled, buf, sizeof(buf));
            return fail(a.line, "<ereg>: bad regexp '" + *re + "': " + buf);
        }
        const size_t groups = compiled.re_nsub;
        regfree(&compiled);
        ua::Capture base;
        base.required = check;
        base.start_line = start;
        const std::string in = a.attr("search_in") ? *a.attr("search_in") : "msg";
        if (in == "hdr") {
            const std::string* h = a.attr("header");
            if (!h) return fail(a.line, "<ereg search_in=\"hdr\"> needs header");
            std::string name = *h;
            while (!name.empty() && (name.back() == ' ' || name.back() == ':')) name.pop_back();
            if (name.empty()) return fail(a.line, "<ereg>: empty header name");
            base.header = sip::header_id(name);
            if (base.header == sip::HeaderId::kOther) base.header_name = name;
        } else if (in == "body") {
            base.body = true;
        } else if (in == "var") {
            if ((base.from_var = var_attr(a, "variable", true)) < 0) return false;
        } else if (in != "msg") {
            return fail(a.line, "<ereg>: search_in must be msg, hdr, body or var, not '" + in + "'");
        }
        const std::string* occ = a.attr("occurence") ? a.attr("occurence") : a.attr("occurrence");
        if (occ) {
            double d = 0;
            if (!parse_number(*occ, d) || d < 1 || d > 255 || d != std::floor(d))
                return fail(a.line, "<ereg>: occurence must be 1, 2, ...");
            base.occurrence = static_cast<uint8_t>(d);
        }
        out_.regexes.push_back(*re);
        out_.regex_icase.resize(out_.regexes.size() - 1, 0);
        out_.regex_icase.push_back(icase ? 1 : 0);
        base.regex = static_cast<int>(out_.regexes.size() - 1);
        const auto names = split_list(*to);
        if (names.size() > groups + 1 || names.size() > 10)
            return fail(a.line, "<ereg>: assign_to names " + std::to_string(names.size()) +
                                    " variables, the regexp has " + std::to_string(groups) + " sub-matches");
        for (size_t i = 0; i < names.size(); ++i) {
            ua::Capture c = base;
            c.var = static_cast<uint16_t>(variable(names[i]));
            c.group = static_cast<uint8_t>(i);
            step.captures.push_back(std::move(c));
        }
        return true;
    }

    bool send(const Element& e, const Element* previous) {
        if (!allowed(e, {"retrans", "lost", "start_txn", "ack_txn"})) return false;
        if (e.attr("retrans"))
            note(e.line, "retrans: the engine retransmits by RFC 3261's timers (--t1, default 500 ms)");
        ua::Step step;
        step.kind = ua::StepKind::kSend;
        if (!message(e, step.template_index) || !branch(e, step) || !actions(e, step, false) ||
            !lost(e, step))
            return false;
        const sip::Template& t = out_.templates[step.template_index];
        if (!transaction_names(e, t)) return false;
        // The ACK of a non-2xx final response belongs to the INVITE transaction, which sends it itself
        // (RFC 3261 §17.1.1.3): the scenario's copy would go out twice.
        if (t.is_request && t.method == sip::Method::kAck && previous && previous->name == "recv") {
            const std::string* r = previous->attr("response");
            double code = 0;
            if (r && parse_number(*r, code) && code >= 300) {
                note(e.line, "this ACK answers a non-2xx response: the INVITE transaction sends it");
                step.kind = ua::StepKind::kNop;
            }
        }
        out_.steps.push_back(std::move(step));
        return true;
    }

    bool recv(const Element& e) {
        if (!allowed(e, {"response", "request", "optional", "rrs", "auth", "timeout", "ontimeout", "lost",
                         "regexp_match", "response_txn", "ignoresdp"}))
            return false;
        bool regexp_match = false;
        if (!boolean(e, "regexp_match", regexp_match)) return false;
        ua::Step step;
        step.kind = ua::StepKind::kRecv;
        const std::string* resp = e.attr("response");
        const std::string* req = e.attr("request");
        if ((resp != nullptr) == (req != nullptr))
            return fail(e.line, "<recv> needs one of response or request");
        ua::RecvMatch m;
        if (resp) {
            double code = 0;
            if (!parse_number(*resp, code) || code < 100 || code > 699 || code != std::floor(code))
                return fail(e.line, "<recv>: response must be a status code (100-699), not '" + *resp + "'");
            m.code_lo = m.code_hi = static_cast<uint16_t>(code);
            if (const std::string* txn = e.attr("response_txn")) {
                auto it = txn_methods_.find(*txn);
                if (it == txn_methods_.end())
                    return fail(e.line,
                                "<recv>: response_txn=\"" + *txn + "\": no <send start_txn> names it");
                m.method = it->second;  // responses whose CSeq names that request
            }
        } else if (e.attr("response_txn")) {
            return fail(e.line, "<recv>: response_txn applies to response=");
        } else if (regexp_match) {
            last_request_ = *req;
            if (!methods_matching(e, *req, step.matches)) return false;
        } else {
            m.request = true;
            m.method = sip::method_from_text(*req);
            last_request_ = *req;
            if (m.method == sip::Method::kUnknown)
                return fail(e.line, "<recv>: request '" + *req + "' is not a method sipstorm knows");
        }
        if (!(req && regexp_match)) step.matches.push_back(m);
        if (const std::string* o = e.attr("optional")) {
            if (*o == "global") {
                step.optional = true;
                out_.global_recvs.push_back(static_cast<int>(out_.steps.size()));
            } else if (!boolean(e, "optional", step.optional)) {
                return false;
            }
        }
        bool ignored = false;
        if (!boolean(e, "rrs", ignored) || !boolean(e, "auth", ignored) || !boolean(e, "ignoresdp", ignored))
            return false;
        if (const std::string* t = e.attr("timeout")) {
            double ms = 0;
            if (!parse_number(*t, ms) || ms < 0)
                return fail(e.line, "<recv>: timeout must be milliseconds, not '" + *t + "'");
            step.timeout_ms = static_cast<uint32_t>(ms);
        }
        if (const std::string* l = e.attr("ontimeout")) {
            if (!e.attr("timeout"))
                note(e.line, "ontimeout without timeout: it takes effect with --recv-timeout");
            refs_.push_back({out_.steps.size(), &ua::Step::on_timeout, *l, e.line});
        }
        if (!branch(e, step) || !actions(e, step, true) || !lost(e, step)) return false;
        out_.loses_received = out_.loses_received || step.lost > 0;
        out_.steps.push_back(std::move(step));
        return true;
    }

    // lost="PERCENT": SIPp's emulated packet loss on this message.
    bool lost(const Element& e, ua::Step& step) {
        const std::string* l = e.attr("lost");
        if (!l) return true;
        double pct = 0;
        if (!parse_number(*l, pct) || pct < 0 || pct > 100)
            return fail(e.line,
                        "<" + e.name + ">: lost must be a percentage from 0 to 100, not '" + *l + "'");
        step.lost = static_cast<float>(pct / 100);
        return true;
    }

    // SIPp's start_txn / ack_txn: names of client transactions. A call here keeps one INVITE and one
    // other client transaction at a time and matches responses to them by CSeq, so a name stands for
    // its request's method; response_txn then takes only responses whose CSeq names that method.
    bool transaction_names(const Element& e, const sip::Template& t) {
        if (const std::string* s = e.attr("start_txn")) {
            if (!t.is_request || t.method == sip::Method::kAck)
                return fail(e.line, "<send start_txn>: starts a transaction with a request other than ACK");
            txn_methods_[*s] = t.method;
        }
        if (const std::string* a = e.attr("ack_txn")) {
            auto it = txn_methods_.find(*a);
            if (!t.is_request || t.method != sip::Method::kAck)
                return fail(e.line, "<send ack_txn>: belongs on an ACK");
            if (it == txn_methods_.end() || it->second != sip::Method::kInvite)
                return fail(e.line, "<send ack_txn=\"" + *a + "\">: no INVITE of <send start_txn> names it");
        }
        return true;
    }

    // regexp_match="true": the request is a regexp that SIPp searches the method for (unanchored);
    // here it becomes one match per method it finds, so the engine compares methods, not texts.
    bool methods_matching(const Element& e, const std::string& re, std::vector<ua::RecvMatch>& out) {
        if (e.attr("response")) return fail(e.line, "<recv>: regexp_match applies to request=");
        regex_t compiled;
        if (int rc = regcomp(&compiled, re.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
            char buf[256];
            regerror(rc, &compiled, buf, sizeof(buf));
            return fail(e.line, "<recv request>: bad regexp '" + re + "': " + buf);
        }
        for (size_t i = 1; i < static_cast<size_t>(sip::Method::kCount); ++i) {
            const auto method = static_cast<sip::Method>(i);
            const std::string text(sip::method_text(method));
            if (regexec(&compiled, text.c_str(), 0, nullptr, 0) == 0) out.push_back({true, method, 0, 0});
        }
        regfree(&compiled);
        if (out.empty())
            return fail(e.line, "<recv request=\"" + re + "\">: the regexp matches no method sipstorm knows");
        return true;
    }

    bool distribution(const Element& e, ua::PauseSpec& spec, std::initializer_list<std::string_view> extra) {
        const std::string* dist = e.attr("distribution");
        auto num = [&](const char* key, double& v) {
            const std::string* s = e.attr(key);
            if (!s) return fail(e.line, "<" + e.name + ">: distribution needs " + key);
            if (!parse_number(*s, v) || v < 0)
                return fail(e.line, "<" + e.name + ">: " + key + " must be a number >= 0, not '" + *s + "'");
            return true;
        };
        std::vector<std::string_view> keys(extra);
        keys.insert(keys.end(), {"distribution", "crlf", "next", "test", "chance", "display", "hide",
                                 "sanity_check", "rtd", "start_rtd", "repeat_rtd"});
        auto only = [&](std::initializer_list<std::string_view> own) {
            for (const auto& [k, v] : e.attrs)
                if (std::find(own.begin(), own.end(), k) == own.end() &&
                    std::find(keys.begin(), keys.end(), k) == keys.end())
                    return fail(e.line, "<" + e.name + ">: attribute '" + k + "' does not apply here");
            return true;
        };
        const std::string d = dist ? *dist : "fixed";
        if (d == "fixed") {
            spec.dist = ua::Distribution::kFixed;
            return only({"value"}) && num("value", spec.a_ms);
        }
        if (d == "uniform") {
            spec.dist = ua::Distribution::kUniform;
            if (!only({"min", "max"}) || !num("min", spec.a_ms) || !num("max", spec.b_ms)) return false;
            return spec.a_ms <= spec.b_ms || fail(e.line, "<" + e.name + ">: min is greater than max");
        }
        if (d == "normal") {
            spec.dist = ua::Distribution::kNormal;
            return only({"mean", "stdev"}) && num("mean", spec.a_ms) && num("stdev", spec.b_ms);
        }
        if (d == "exponential") {
            spec.dist = ua::Distribution::kExponential;
            return only({"mean"}) && num("mean", spec.a_ms);
        }
        if (d == "lognormal") {
            // SIPp's mean and stdev are those of the logarithm (GSL); ours, of the pause itself.
            double mu = 0, sigma = 0;
            if (!only({"mean", "stdev"})) return false;
            const std::string* m = e.attr("mean");
            const std::string* s = e.attr("stdev");
            if (!m || !s || !parse_number(*m, mu) || !parse_number(*s, sigma) || sigma < 0)
                return fail(e.line, "<" + e.name + ">: lognormal needs mean and stdev (of the logarithm)");
            spec.dist = ua::Distribution::kLogNormal;
            spec.a_ms = std::exp(mu + sigma * sigma / 2);
            spec.b_ms = spec.a_ms * std::sqrt(std::expm1(sigma * sigma));
            return true;
        }
        return fail(e.line, "<" + e.name + ">: distribution '" + d +
                                "' is not supported (fixed, uniform, normal, lognormal, exponential)");
    }

    bool pause(const Element& e) {
        ua::Step step;
        step.kind = ua::StepKind::kPause;
        if (!actions(e, step, false) || !branch(e, step)) return false;
        if (e.attr("distribution")) {
            if (!distribution(e, step.pause, {})) return false;
        } else {
            if (!allowed(e, {"milliseconds", "min", "max", "variable", "sanity_check"})) return false;
            const std::string* ms = e.attr("milliseconds");
            if (e.attr("min") || e.attr("max")) {
                double lo = 0, hi = 0;
                if (!e.attr("min") || !e.attr("max") || !parse_number(*e.attr("min"), lo) ||
                    !parse_number(*e.attr("max"), hi) || lo > hi)
                    return fail(e.line, "<pause>: min and max must be milliseconds, min <= max");
                step.pause = {ua::Distribution::kUniform, lo, hi};
            } else if (const std::string* v = e.attr("variable")) {
                step.pause.var = variable(*v);
                if (step.pause.var < 0)
                    return fail(e.line, "<pause>: no action assigns the variable '" + *v + "'");
            } else if (ms) {
                if (!parse_number(*ms, step.pause.a_ms) || step.pause.a_ms < 0)
                    return fail(e.line, "<pause>: milliseconds must be a number >= 0, not '" + *ms + "'");
            } else {
                double d = 0;
                if (!parse_number(out_.params["duration"], d) || d < 0)
                    return fail(0, "--set duration (SIPp's -d) must be milliseconds");
                step.pause.a_ms = d;
                res_.duration_pauses.push_back(out_.steps.size());
            }
        }
        out_.steps.push_back(std::move(step));
        return true;
    }

    bool nop(const Element& e) {
        if (!allowed(e, {})) return false;
        ua::Step step;
        step.kind = ua::StepKind::kNop;
        if (!branch(e, step) || !actions(e, step, false)) return false;
        out_.steps.push_back(std::move(step));
        return true;
    }

    bool label(const Element& e) {
        if (!only_attrs(e, {"id"}) || !no_children(e)) return false;
        // A label is no step (an optional recv before it still sees the recv after it): it names the
        // next step, or the end of the scenario.
        out_.labels.emplace(*e.attr("id"), static_cast<int>(out_.steps.size()));
        return true;
    }

    // ---- pass 3: label references, jumps, checks

    bool resolve_labels() {
        for (const Ref& r : refs_) {
            auto it = out_.labels.find(r.label);
            if (it == out_.labels.end()) return fail(r.line, "no <label id=\"" + r.label + "\">");
            out_.steps[r.step].*r.target = it->second;
        }
        for (const Jump& j : jumps_) {
            if (j.msg_index >= static_cast<int>(msg_steps_.size()))
                return fail(j.line, "<jump>: the scenario has no message " + std::to_string(j.msg_index));
            out_.steps[j.step].ops[j.op].target = msg_steps_[static_cast<size_t>(j.msg_index)];
        }
        for (const VarJump& j : var_jumps_) out_.steps[j.step].ops[j.op].jump_steps = msg_steps_;
        return true;
    }

    bool checks() {
        const auto& s = out_.steps;
        size_t first = 0;
        while (first < s.size() &&
               (s[first].kind == ua::StepKind::kNop || s[first].kind == ua::StepKind::kPause))
            ++first;
        if (out_.role == ua::Role::kUac) {
            if (first == s.size() || s[first].kind != ua::StepKind::kSend ||
                !out_.templates[s[first].template_index].is_request)
                return fail(static_cast<int>(s[std::min(first, s.size() - 1)].source_line),
                            "a UAC scenario must start by sending a request");
        } else if (first != 0 || s[0].matches.empty() || !s[0].matches[0].request) {
            return fail(static_cast<int>(s[std::min(first, s.size() - 1)].source_line),
                        "a UAS scenario must start with <recv request=...>");
        }
        const auto& global = out_.global_recvs;
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i].kind != ua::StepKind::kRecv || !s[i].optional) continue;
            if (std::find(global.begin(), global.end(), static_cast<int>(i)) != global.end()) continue;
            size_t j = i + 1;
            while (j < s.size() && s[j].kind == ua::StepKind::kRecv && s[j].optional) ++j;
            if (j == s.size() || s[j].kind != ua::StepKind::kRecv)
                return fail(static_cast<int>(s[i].source_line),
                            "an optional <recv> must be followed by a mandatory <recv> (sipstorm waits at "
                            "optional ones only while a later one may match)");
        }
        std::set<std::pair<sip::Slot, uint16_t>> headers;
        for (const sip::Template& t : out_.templates)
            for (const sip::Segment& seg : t.segments)
                if (seg.slot == sip::Slot::kLastHeader || seg.slot == sip::Slot::kInviteHeader)
                    headers.insert({seg.slot, seg.arg});
        const size_t room = ua::kMaxFields - static_cast<size_t>(ua::Field::kDialogCount);
        if (out_.variables.size() + headers.size() > room)
            return fail(res_.root.line, std::to_string(out_.variables.size()) + " variables and " +
                                            std::to_string(headers.size()) +
                                            " [last_*] headers: a call keeps " + std::to_string(room) +
                                            " at most");
        for (const ua::Step& st : s)
            if (st.kind == ua::StepKind::kSend && out_.templates[st.template_index].has_auth &&
                out_.auth_password.literal.empty() && out_.auth_password.field < 0)
                return fail(
                    static_cast<int>(st.source_line),
                    "[authentication] needs credentials: username=.. password=.., or --auth user:password");
        return true;
    }

    struct Ref {
        size_t step;
        int ua::Step::*target;
        std::string label;
        int line;
    };
    struct Jump {
        size_t step, op;
        int msg_index;
        int line;
    };
    struct VarJump {
        size_t step, op;
    };

    const std::string& path_;
    const std::map<std::string, std::string>& overrides_;
    const script::CompileOptions& options_;
    ua::Program& out_;
    script::CompileError& err_;
    XmlCompileResult& res_;
    std::map<std::string, int> label_msg_;
    std::vector<Ref> refs_;
    std::vector<Jump> jumps_;
    std::vector<VarJump> var_jumps_;
    std::vector<int> msg_steps_;  // SIPp's message index -> step
    std::string last_request_;    // the method of the last <recv request> so far (document order)
    std::vector<media::MediaAction> pending_media_;   // <exec> media actions of the step being compiled
    std::map<std::string, sip::Method> txn_methods_;  // start_txn name -> its request's method
};

}  // namespace

bool is_xml_scenario(const std::string& path) {
    return path.size() > 4 && path.compare(path.size() - 4, 4, ".xml") == 0;
}

bool compile_sipp_xml(const std::string& path, const std::map<std::string, std::string>& params,
                      const script::CompileOptions& options, ua::Program& out, script::CompileError& err,
                      XmlCompileResult* result) {
    XmlCompileResult local;
    XmlCompileResult& res = result ? *result : local;
    res = XmlCompileResult{};
    out = ua::Program{};
    out.file = path;
    out.injection = options.injection;
    if (!read_xml_file(path, res.root, err)) return false;
    return Compiler(path, params, options, out, err, res).compile();
}

}  // namespace sipstorm::sippxml
