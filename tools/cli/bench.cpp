// sipstorm bench parse FILE... [--seconds N]: parser throughput on the user's own messages, on one
// core. Each message is parsed as a SIP stack would to match it to a transaction: parse() with the
// full header index, then the top Via, From, To, CSeq and Call-ID.
#include <fmt/core.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "sip/message.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/scalars.hpp"
#include "sip/validate.hpp"
#include "sip/via.hpp"
#include "sip_files.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kBenchHelp = R"(Usage: sipstorm bench parse FILE... [--seconds N]

Measures parser throughput on one core with the SIP messages in each FILE ('-' reads standard
input; a file may hold several messages delimited by Content-Length). Each message is parsed as a
SIP stack needs it to match a transaction: start line and full header index, then the top Via,
From, To, CSeq and Call-ID. Prints messages/s and MB/s per file and for the whole set.

  --seconds N   total measuring time, shared between the files and the whole set (default 3)

Every message must be valid (see 'sipstorm lint'): an invalid one is rejected, since an early
parse error would inflate the figure. Exit status: 0 done, 1 invalid message, 2 usage or I/O error.
)";

struct Options {
    double seconds = 3.0;
    std::vector<std::string> files;
};

double parse_seconds(const std::string& text) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(v > 0) || v > 86400)
        throw UsageError(fmt::format("--seconds needs a positive number of seconds, not '{}'", text));
    return v;
}

bool is_help(const std::string& a) {
    return a == "--help" || a == "-h";
}

// Returns nullopt when --help was asked for.
std::optional<Options> parse_options(const Args& args) {
    if (args.empty()) throw UsageError("missing what to benchmark (see 'sipstorm bench --help')");
    if (is_help(args[0])) return std::nullopt;
    if (args[0] != "parse")
        throw UsageError(fmt::format("unknown benchmark '{}': only 'parse' exists", args[0]));
    Options o;
    bool options_done = false;
    for (size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || a == "-" || a.empty() || a[0] != '-') {
            o.files.push_back(a);
        } else if (a == "--") {
            options_done = true;
        } else if (is_help(a)) {
            return std::nullopt;
        } else if (a == "--seconds") {
            if (i + 1 >= args.size()) throw UsageError("--seconds needs a value");
            o.seconds = parse_seconds(args[++i]);
        } else if (a.rfind("--seconds=", 0) == 0) {
            o.seconds = parse_seconds(a.substr(10));
        } else {
            throw UsageError(fmt::format("unknown option '{}' (see 'sipstorm bench --help')", a));
        }
    }
    if (o.files.empty()) throw UsageError("no FILE given (see 'sipstorm bench --help')");
    return o;
}

struct Input {
    std::string name;
    std::string content;  // the chunks point into it
    std::vector<MessageChunk> messages;
    uint64_t bytes = 0;
};

// Checks every message once; returns false (after saying why) if one is not valid.
bool check_valid(const Input& in) {
    if (in.messages.empty()) {
        fmt::print(stderr, "sipstorm bench: {}: no SIP message in the input\n", in.name);
        return false;
    }
    for (size_t i = 0; i < in.messages.size(); ++i) {
        sip::MessageView m;
        sip::ParseResult r = sip::parse(in.messages[i].bytes, m, in.messages[i].framing);
        sip::Verdict v = r.ok() ? sip::validate(m) : r.verdict;
        if (r.ok() && v.ok()) continue;
        std::string label = in.messages.size() == 1 ? in.name : fmt::format("{}#{}", in.name, i + 1);
        fmt::print(stderr,
                   "sipstorm bench: {}: invalid message: {}; only valid messages are measured "
                   "(see 'sipstorm lint')\n",
                   label, v.ok() ? std::string_view("incomplete message") : v.detail);
        return false;
    }
    return true;
}

// The per-message work: parse + the transaction-matching sub-parses. Returns a value that depends
// on all of it, so the compiler cannot drop any.
uint64_t parse_for_matching(const MessageChunk& c, sip::MessageView& m) {
    if (!sip::parse(c.bytes, m, c.framing).ok()) return 0;
    uint64_t sum = m.header_count;
    sip::Via via;
    sip::NameAddr from;
    sip::NameAddr to;
    sip::CSeq cseq;
    if (const sip::Header* h = m.find(sip::HeaderId::kVia);
        h && sip::parse_first_via(h->value, via) == sip::FieldError::kOk)
        sum += via.branch.size() + via.host.size() + via.port;
    if (const sip::Header* h = m.find(sip::HeaderId::kFrom);
        h && sip::parse_name_addr(h->value, from) == sip::FieldError::kOk)
        sum += from.tag.size();
    if (const sip::Header* h = m.find(sip::HeaderId::kTo);
        h && sip::parse_name_addr(h->value, to) == sip::FieldError::kOk)
        sum += to.tag.size();
    if (const sip::Header* h = m.find(sip::HeaderId::kCSeq);
        h && sip::parse_cseq(h->value, cseq) == sip::FieldError::kOk)
        sum += cseq.number + static_cast<uint64_t>(cseq.method);
    if (const sip::Header* h = m.find(sip::HeaderId::kCallId);
        h && sip::validate_call_id(h->value) == sip::FieldError::kOk)
        sum += h->value.size();
    return sum;
}

struct Result {
    uint64_t messages = 0;
    uint64_t bytes = 0;
    double seconds = 0;  // CPU time of the measuring thread
};

// Rates use the thread's CPU time: on a busy machine, wall time would also count other processes.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

volatile uint64_t g_sink;  // keeps the measured work observable

// Parses `msgs` in a loop for about `seconds`; the clock is read once per pass.
Result measure(const std::vector<const MessageChunk*>& msgs, uint64_t pass_bytes, double seconds) {
    using Clock = std::chrono::steady_clock;
    sip::MessageView m;
    uint64_t sum = 0;
    uint64_t passes = 0;
    const double cpu_start = thread_cpu_seconds();
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    auto now = start;
    do {
        for (const MessageChunk* c : msgs) sum += parse_for_matching(*c, m);
        ++passes;
        now = Clock::now();
    } while (now < deadline);
    g_sink = sum;
    return {passes * msgs.size(), passes * pass_bytes, thread_cpu_seconds() - cpu_start};
}

void print_row(std::string_view name, size_t count, const Result& r) {
    const double rate = static_cast<double>(r.messages) / r.seconds;
    const double mbps = static_cast<double>(r.bytes) / r.seconds / 1e6;
    fmt::print("{:<40} {:>6} {:>14.0f} {:>10.1f}\n", name, count, rate, mbps);
}

}  // namespace

int cmd_bench(const Args& args) {
    const std::optional<Options> parsed = parse_options(args);
    if (!parsed) {
        fmt::print("{}", kBenchHelp);
        return 0;
    }
    const Options& o = *parsed;
    std::vector<Input> inputs;
    inputs.reserve(o.files.size());
    for (const std::string& f : o.files) {
        Input in;
        in.name = display_name(f);
        try {
            in.content = read_input(f);
        } catch (const IoError& e) {
            fmt::print(stderr, "sipstorm bench: cannot read {}\n", e.what());
            return 2;
        }
        inputs.push_back(std::move(in));
        Input& added = inputs.back();  // split after the move: the chunks point into this string
        added.messages = split_messages(added.content);
        for (const MessageChunk& c : added.messages) added.bytes += c.bytes.size();
        if (!check_valid(added)) return 1;
    }

    // The time is shared between each file and the whole set (a single file is the whole set).
    const bool single = inputs.size() == 1;
    const double slice = o.seconds / static_cast<double>(single ? 1 : inputs.size() + 1);
    fmt::print("{:<40} {:>6} {:>14} {:>10}\n", "file", "msgs", "msgs/s", "MB/s");
    std::vector<const MessageChunk*> all;
    uint64_t all_bytes = 0;
    for (const Input& in : inputs) {
        std::vector<const MessageChunk*> msgs;
        for (const MessageChunk& c : in.messages) msgs.push_back(&c);
        all.insert(all.end(), msgs.begin(), msgs.end());
        all_bytes += in.bytes;
        if (!single) print_row(in.name, msgs.size(), measure(msgs, in.bytes, slice));
    }
    print_row(single ? inputs[0].name : "all", all.size(), measure(all, all_bytes, slice));
    fmt::print(
        "(per second of CPU time on one core; each message: parse() with the full header index,\n"
        " then top Via, From, To, CSeq and Call-ID)\n");
    return 0;
}

}  // namespace sipstorm::cli
