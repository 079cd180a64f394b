// A compiled scenario: what the Lua file described, turned at load time into templates and a flat
// list of steps that the call interpreter walks. Produced by script/, executed by ua/.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/injection_set.hpp"
#include "media/action.hpp"
#include "sip/message.hpp"
#include "sip/method.hpp"
#include "sip/template.hpp"
#include "stats/counters.hpp"

namespace sipstorm::ua {

enum class Role : uint8_t { kUac, kUas };

enum class Distribution : uint8_t { kFixed, kUniform, kExponential, kNormal, kLogNormal };

struct PauseSpec {
    Distribution dist = Distribution::kFixed;
    double a_ms = 0;  // fixed: value; uniform: min; exponential: mean; normal/lognormal: mean
    double b_ms = 0;  // uniform: max; normal/lognormal: standard deviation
    int var = -1;     // >= 0: pause for the value of this call variable, in ms (SIPp's variable=)
};

// An operation on call variables (SIPp's assign, add, test, strcmp ... actions), run in order after
// its step, before the step's hook. Numbers are kept as text the way SIPp prints them ("%f").
enum class VarOpKind : uint8_t {
    kAssign,        // dest = operand
    kAdd,           // dest += operand
    kSubtract,      // dest -= operand
    kMultiply,      // dest *= operand
    kDivide,        // dest /= operand
    kTest,          // dest = src <compare> operand ("true" / "false")
    kStrcmp,        // dest = strcmp(src, operand text)
    kToDouble,      // dest = src as a number
    kSample,        // dest = a draw from `dist`
    kGettimeofday,  // dest = seconds, dest2 = microseconds
    kUrlEncode,     // dest = URL-encoded dest
    kUrlDecode,     // dest = URL-decoded dest
    kCopy,          // dest = the text of src (SIPp's assign from a string variable)
    kSetText,       // dest = text (SIPp's -set NAME VALUE)
    kJump,          // go to step `target`, or to the step numbered by variable src
    kFail,          // end the call as failed with `text`
    kStop,          // end the call as succeeded (exec int_cmd="stop_call")
    kSetDest,       // the call's messages go to host (text, or variable src) : port (text2 / src2)
    kVerifyAuth,    // dest = "true" when the received request's Digest credentials are those of the
                    // username (text, or variable src) and password (text2, or variable src2)
};
enum class Compare : uint8_t { kEqual, kNotEqual, kGreater, kLess, kGreaterEqual, kLessEqual };

struct VarOp {
    VarOpKind kind = VarOpKind::kAssign;
    Compare compare = Compare::kEqual;
    int dest = -1, dest2 = -1;  // variables written
    int src = -1;               // variable read
    int operand_var = -1;       // the operand's variable; -1: `value` / `text`
    double value = 0;
    std::string text;             // kStrcmp: the string operand; kFail: the reason
    std::string text2;            // kVerifyAuth: the password
    int src2 = -1;                // kVerifyAuth: the password's variable
    int target = -1;              // kJump: a step index
    PauseSpec dist;               // kSample
    std::vector<int> jump_steps;  // kJump by variable: step index for each value (SIPp's msg_index)
};

enum class StepKind : uint8_t {
    kSend,
    kRecv,
    kPause,
    kJump,   // go to Step::next (when `when` holds, or always)
    kNop,    // a label alone
    kFail,   // end the call as failed with Step::text as the reason
    kMedia,  // start, change or stop the call's RTP stream, or send DTMF: Program::media[Step::media]
    kEnd,
};

// One form a recv step accepts: a request method, or a response code range (and, with a method,
// only responses whose CSeq names it: SIPp's response_txn).
struct RecvMatch {
    bool request = false;
    sip::Method method = sip::Method::kUnknown;
    uint16_t code_lo = 0, code_hi = 0;
};

// What a recv step copies out of the message it matched into a call variable.
struct Capture {
    uint16_t var = 0;                              // index into Program::variables
    sip::HeaderId header = sip::HeaderId::kOther;  // a known header; kOther with header_name empty: none
    std::string header_name;                       // a header we don't index, found by name
    bool body = false;                             // regex over the body only
    int regex = -1;                                // index into Program::regexes, or -1: the whole value
    uint8_t group = 1;                             // regex group to keep (0: the whole match)
    bool required = false;                         // no match fails the call (else the variable is emptied)
    uint8_t occurrence = 1;                        // which line of a repeated header (SIPp's occurence)
    bool start_line = false;                       // search the start line only
    int from_var = -1;                             // search this call variable instead of the message
};

// A kJump step's condition on a call variable.
enum class Condition : uint8_t { kAlways, kEquals, kNotEquals, kMatches, kEmpty, kNotEmpty };

// Names of variables the compiler adds for its own use (a timer's start) begin with this byte: no
// scenario can name them, and `import` and hooks do not show them.
inline constexpr std::string_view kHiddenVariable = "\x01";

// A variable "is set" (SIPp's test=) when it is not empty and not "false".
inline bool var_is_set(std::string_view v) {
    return !v.empty() && v != "false";
}

struct Step {
    StepKind kind = StepKind::kEnd;
    uint32_t source_line = 0;  // line in the scenario file, for error messages

    // kSend
    uint16_t template_index = 0;

    // kRecv: any of these forms.
    std::vector<RecvMatch> matches;
    bool optional = false;
    bool check_auth = false;  // verify the request's Digest credentials (fail the call if wrong)
    // recv = "dtmf": no SIP message, but the call's stream has received `digits` (somewhere in ${dtmf}).
    bool dtmf = false;
    std::string digits;
    uint32_t timeout_ms = 0;  // 0: the call's default
    int on_timeout = -1;      // step to go to when the timeout fires; -1: fail the call
    int on_unexpected = -1;   // step to go to on a message no recv here matches; -1: fail the call
    std::vector<Capture> captures;

    // Where to go after this step: a step index, or -1 for the next one. kJump: its target.
    int next = -1;
    // kJump: the condition (on variable `var`; `text` is the value or regex index as text for kMatches).
    Condition when = Condition::kAlways;
    uint16_t var = 0;
    int regex = -1;
    std::string text;  // kJump kEquals/kNotEquals: the value; kFail: the reason

    // kPause
    PauseSpec pause;

    // kMedia: index into Program::media
    int media = -1;
    // Variable operations run after the step (before its hook); see VarOp.
    std::vector<VarOp> ops;
    // `next` taken only when this variable is set (SIPp's test=), and only with this probability
    // (SIPp's chance=); otherwise the call goes on with the following step.
    int next_test = -1;
    float next_chance = 1.0f;
    // The scenario's own counter and timers (SIPp's counter=, start_rtd=, rtd=, repeat_rtd=), by
    // index into Program::counter_names / timer_names, marked when the step is done (sent, received).
    // A timer not started in the call runs from the call's intended start; it is recorded once per
    // call unless timer_repeat.
    int8_t counter = -1;
    int8_t timer_start = -1, timer_stop = -1;
    bool timer_repeat = false;
    // SIPp's lost=: the probability (0-1) that this send's first transmission is not sent (the
    // transaction retransmits it), or that a message this recv takes is dropped as if never arrived.
    float lost = 0;

    // A Lua hook to run after this step, or -1: an index, in step order, into the hooks of each shard's
    // script::ScenarioState (which re-runs the file in its own lua_State and calls run_hook(hook, msg)).
    int hook = -1;
};

// The index of `n` in names, appended when new; -1 when names already holds `most`.
inline int named_index(std::vector<std::string>& names, const std::string& n, size_t most) {
    for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == n) return static_cast<int>(i);
    if (names.size() >= most) return -1;
    names.push_back(n);
    return static_cast<int>(names.size() - 1);
}

// Whether a response's CSeq names this method.
inline bool cseq_method_is(const sip::MessageView& m, sip::Method method) {
    const sip::Header* h = m.find(sip::HeaderId::kCSeq);
    if (!h) return false;
    std::string_view v = h->value;
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    const size_t sp = v.find_last_of(" \t");
    return sp != std::string_view::npos && sip::method_from_text(v.substr(sp + 1)) == method;
}

// Whether a recv step takes this message.
inline bool step_matches(const Step& s, const sip::MessageView& m) {
    for (const RecvMatch& r : s.matches) {
        if (r.request != m.is_request) continue;
        if (m.is_request ? (r.method == m.method && r.method != sip::Method::kUnknown)
                         : (m.status_code >= r.code_lo && m.status_code <= r.code_hi &&
                            (r.method == sip::Method::kUnknown || cseq_method_is(m, r.method))))
            return true;
    }
    return false;
}

struct Program {
    std::string name;
    std::string file;
    Role role = Role::kUac;
    std::vector<sip::Template> templates;
    std::vector<Step> steps;
    std::vector<std::string> variables;  // names of per-call variables (captures), index = Slot kVar arg
    std::vector<std::string> counter_names, timer_names;  // Step::counter, Step::timer_start/stop
    bool loses_received = false;                          // some recv step has `lost`
    std::vector<int>
        global_recvs;  // recv steps that take their message at any point (SIPp's optional="global")
    struct Fill {
        int var = -1;      // the call variable holding the length
        std::string text;  // repeated (SIPp's default: "X")
    };
    std::vector<Fill> fills;  // sip::Slot::kFill args
    // Per timer, the two call variables that hold its start (ns, as text) and whether it was
    // recorded: hidden variables, so only scenarios with timers pay for them in the call slot.
    std::vector<std::pair<int, int>> timer_vars;
    // A counter / timer by name, added when new (a timer with its hidden variables); -1 when the
    // scenario already has as many as the statistics keep (stats::kScenarioCounters / Timers).
    int counter_index(const std::string& name) {
        return named_index(counter_names, name, stats::kScenarioCounters);
    }
    int timer_index(const std::string& name) {
        const size_t before = timer_names.size();
        const int i = named_index(timer_names, name, stats::kScenarioTimers);
        if (i >= 0 && timer_names.size() > before) {
            for (const char* part : {"timer_start:", "timer_done:"})
                variables.push_back(std::string(kHiddenVariable) + part + name);
            timer_vars.emplace_back(static_cast<int>(variables.size() - 2),
                                    static_cast<int>(variables.size() - 1));
        }
        return i;
    }
    std::vector<std::string> regexes;  // POSIX extended regexes of captures and conditions (each shard
                                       // compiles its own: regexec is not lock-free across threads)
    std::vector<uint8_t> regex_icase;  // 1: that regex ignores case (missing entries: 0)
    std::map<std::string, int, std::less<>> labels;  // label -> step index (hooks may return one)

    // ${field0}, ${users.name}: (file, field) of an --inf file for each Slot::kField arg.
    struct FieldRef {
        uint16_t file = 0;
        uint16_t field = 0;
    };
    std::vector<FieldRef> fields;
    // The index of (file, field) in `fields`, added when it is not there yet.
    uint16_t field_index(uint16_t file, uint16_t field) {
        for (size_t i = 0; i < fields.size(); ++i)
            if (fields[i].file == file && fields[i].field == field) return static_cast<uint16_t>(i);
        fields.push_back({file, field});
        return static_cast<uint16_t>(fields.size() - 1);
    }

    // Digest credentials (UAC: answering 401/407; UAS: checking them). Each is a literal, or a
    // variable / --inf field when `*_field` >= 0 (an index into `fields`).
    struct Credential {
        std::string literal;
        int field = -1;
    };
    Credential auth_user, auth_password;
    std::string auth_realm = "sipstorm";  // UAS: the realm of ${challenge}
    std::string auth_algorithm = "MD5";   // UAS: MD5 or SHA-256

    std::map<std::string, std::string> params;  // effective parameter values (defaults + --set)
    std::string lua_dir;                        // where require() found modules; ScenarioState reuses it
    int hook_count = 0;                         // steps with hook >= 0
    std::vector<std::string> gates;             // the scenario's own gates (expressions, as --gate)
    std::string peer;  // the UAS scenario `sipstorm run` starts when there is no --target (a path)
    // RTP media (engine/media): the actions of the scenario's rtp / dtmf steps. A program with any
    // gives each call an RTP stream on its ${media_port}; `dtmf_var` is the variable that reads the
    // digits the stream received (${dtmf}, when = { var = "dtmf" ... }), or -1.
    std::vector<media::MediaAction> media;
    int dtmf_var = -1;
    bool has_media() const { return !media.empty(); }
    // The --inf files the fields index (shared by every shard; read-only while calls run).
    std::shared_ptr<const data::InjectionSet> injection;
};

}  // namespace sipstorm::ua
