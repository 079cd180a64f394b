// A conformance case: a small script of steps the runner plays against one target (send exact bytes,
// send them again, expect a response with checks, expect silence, time retransmissions), with the
// RFC section it judges and one line of what passes. Cases are data: suites are Lua files that
// return tables (case_loader.hpp), or are built from the RFC 4475/5118 manifests (torture.hpp) or
// a seeded mutator (robustness.hpp). Nothing here is on a load-test hot path.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sipstorm::conform {

enum class StepKind : uint8_t {
    kSend,     // render a template (${slots}) and send it; `name` keeps it for resend/expect
    kResend,   // the same datagram again, byte for byte
    kExpect,   // a response (or a request from the target) within `within_ms`, with checks
    kSilence,  // nothing matching arrives for `within_ms`
    kRetrans,  // copies of one response arrive at the given intervals (T1/T2 timers), within a tolerance
    kWait,     // let `within_ms` pass
    kAlive,    // liveness: an OPTIONS (re-sent at T1, 2T1 ...) gets any answer within `within_ms`
};

// One header condition. `name` is matched case-insensitively, the long and compact forms alike.
struct HeaderCheck {
    enum class Op : uint8_t {
        kPresent,
        kAbsent,
        kEquals,
        kContains,
        kListEquals,
        kIntRange,
        kFirstContains,
        kFirstEquals,
        kExcludes,
        kParamRange,
        kCount,
        kUriSet
    };
    std::string name;
    Op op = Op::kPresent;
    std::string value;       // kEquals/kContains/kExcludes/kListEquals (a comma list compared as a set)
    int64_t lo = 0, hi = 0;  // kIntRange, kParamRange, kCount
    std::string param;       // kParamRange: every value's parameter `param` is an integer in lo..hi
                             // kCount: lo..hi values; kUriSet: the values' URIs (params left out) as a set
};

struct Expect {
    // Status codes accepted (any of the ranges); empty = any final response (>= 200).
    std::vector<std::pair<int, int>> codes;
    bool provisional = false;   // the codes are 1xx: provisional responses are not skipped
    std::vector<int> na_codes;  // an answer with one of these makes the case not applicable
    std::string na_reason;
    std::string of;                // the send step it answers (by name); empty = the latest send
    bool any_transaction = false;  // match on Call-ID only, not the top Via branch
    bool echo = false;             // §8.2.6.2: From, Call-ID, CSeq, Via values and order, To URI as sent
    int to_tag = -1;               // 1: the response has a To tag, 0: it has none, -1: not checked
    std::string same_tag_as;       // the To tag equals that of the response this named expect got
    bool via_exact = false;        // the Via values byte for byte as sent (received/rport removed)
    std::string received;          // the top Via must carry received= this (after slot substitution)
    std::string rport;             // ... and rport= this
    std::string socket;            // "alt": must arrive on the alternate socket
    std::string request;           // a request method from the target instead of a response (e.g. BYE)
    std::string reply;             // template to answer that request with
    std::vector<HeaderCheck> headers;
    std::string want;      // how failure messages name what was expected (default: from the codes)
    uint32_t at_most = 0;  // kSilence: this many matching messages still pass (a copy crossing an ACK)
    // Checks of a message against the send step it relates to (`of`, e.g. a request a proxy
    // forwarded, or a response it relayed): what a proxy must pass on untouched (§16.6, §16.7).
    std::string uri;           // a request's Request-URI equals this (after slot substitution)
    bool same_body = false;    // the body byte for byte as sent
    std::string same_headers;  // comma list of names: their values, in order, as sent
    bool vias_below = false;   // one Via added on top, the sent Via list below it (received/rport aside)
    std::string request_uri;   // `request`: its Request-URI equals this (after slot substitution)
    std::string on;  // "alt" / "main": only a message arriving on that socket matches (forked requests)
};

struct RetransSpec {
    std::string of;  // the send step whose response is repeated
    int code_lo = 200, code_hi = 299;
    std::vector<uint32_t> intervals_ms;  // expected gaps between successive copies
    double tolerance = 0.2;
    uint32_t slack_ms = 40;  // absolute slack on top of the tolerance (scheduling on a busy host)
    // Copies of a request from the target (role uac) instead: `of` names the expect step that got
    // the first copy; the later requests of this method in the call are its retransmissions.
    std::string request;
};

struct Step {
    StepKind kind = StepKind::kSend;
    std::string name;
    std::string text;    // kSend: the template, CRLF line ends already applied
    std::string socket;  // kSend: "alt" sends from the alternate socket
    uint32_t within_ms = 2000;
    bool setup = false;    // a failure here makes the case inconclusive, not failed
    bool cleanup = false;  // runs even after a verdict (ACK, BYE, CANCEL to free the target)
    Expect expect;
    RetransSpec retrans;
    int line = 0;  // in the case file, for messages
};

struct Case {
    std::string id;  // the catalogue's id (UAS-031) or a generated one (T4475-3.1.2.2, ROB-7-12)
    std::string title;
    std::string section;  // "§9.2", "RFC 4475 §3.1.2.2"
    std::string role;     // uas, proxy, registrar, uac, any
    std::string passes;   // one line: what passes
    std::string suite;    // the suite (or directory) it came from
    std::string file;
    bool serial = false;  // runs alone (torture, robustness: a crash must be pinned on one case)
    bool hangup = false;  // every 2xx to an INVITE gets an ACK and a BYE built from it (messages
                          // whose bytes the case does not write, e.g. the torture suite's)
    std::vector<Step> steps;
};

}  // namespace sipstorm::conform
