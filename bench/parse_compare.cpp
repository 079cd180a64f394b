// parse_compare: parses the basic-call corpus (bench/corpus) in one run with sofia-sip, osip2 and
// sipstorm, and prints messages/s, MB/s and sipstorm's ratio against the other two.
//
// Every library does a full parse of each message and must find Via (branch and sent-by), From,
// To, CSeq and Call-ID, the fields a SIP stack reads to match a transaction; a message where one is
// missing aborts the run, so that no parser is measured skipping work. Libraries are measured in
// rounds, in a rotated order each round, to spread machine noise over all of them.
#include <fmt/core.h>

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
}

#include "sip/message.hpp"
#include "sip/parser.hpp"
#include "txn_keys.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of this thread: unlike wall time, it does not count time the scheduler gave to other
// processes, which on a shared machine is the larger source of noise.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The basic-call mix, in call order.
constexpr std::string_view kCorpusFiles[] = {
    "invite.sip", "trying_100.sip", "ringing_180.sip", "ok_200_invite.sip",
    "ack.sip",    "bye.sip",        "ok_200_bye.sip",
};

struct Message {
    std::string name;
    std::string bytes;
};

[[noreturn]] void fail(const std::string& what) {
    fmt::print(stderr, "parse_compare: {}\n", what);
    std::exit(2);
}

std::vector<Message> load_corpus(const std::filesystem::path& dir) {
    std::vector<Message> corpus;
    for (std::string_view name : kCorpusFiles) {
        std::filesystem::path p = dir / name;
        std::ifstream in(p, std::ios::binary);
        if (!in) fail(fmt::format("cannot read {}", p.string()));
        corpus.push_back({std::string(name), std::string((std::istreambuf_iterator<char>(in)),
                                                         std::istreambuf_iterator<char>())});
    }
    return corpus;
}

// A parser under test: returns false when the message fails to parse or lacks a field that
// transaction matching needs.
struct Contender {
    std::string name;
    bool (*parse)(const std::string& bytes);
    bool scalar = false;  // sipstorm only: force the portable scalar scanner
    uint64_t messages = 0;
    uint64_t bytes = 0;
    double seconds = 0;               // thread CPU time
    double wall_seconds = 0;          // wall time
    std::vector<double> round_rates;  // messages/s (CPU time) of each round
};

// sofia-sip: msg_make() runs the full parser (every known header parsed into its structure).
bool parse_sofia(const std::string& bytes) {
    msg_t* msg = msg_make(sip_default_mclass(), 0, bytes.data(), static_cast<ssize_t>(bytes.size()));
    if (!msg) return false;
    sip_t* sip = sip_object(msg);
    bool ok = sip && !sip->sip_error && sip->sip_call_id && sip->sip_call_id->i_id && sip->sip_cseq &&
              sip->sip_cseq->cs_method_name && sip->sip_via && sip->sip_via->v_host &&
              sip->sip_via->v_branch && sip->sip_from && sip->sip_from->a_tag && sip->sip_to;
    msg_destroy(msg);
    return ok;
}

// osip2: osip_message_parse() parses every header it knows into its structure.
bool parse_osip(const std::string& bytes) {
    osip_message_t* msg = nullptr;
    if (osip_message_init(&msg) != 0) return false;
    bool ok = osip_message_parse(msg, bytes.data(), bytes.size()) == 0;
    if (ok) {
        auto* via = static_cast<osip_via_t*>(osip_list_get(&msg->vias, 0));
        osip_generic_param_t* branch = nullptr;
        osip_generic_param_t* from_tag = nullptr;
        ok = msg->call_id && msg->call_id->number && msg->cseq && msg->cseq->number && msg->cseq->method &&
             via && via->host && osip_via_param_get_byname(via, const_cast<char*>("branch"), &branch) == 0 &&
             msg->from && osip_from_get_tag(msg->from, &from_tag) == 0 && msg->to;
    }
    osip_message_free(msg);
    return ok;
}

// sipstorm: parse() (start line, full header index, body) + the sub-parses transaction matching needs.
bool parse_sipstorm(const std::string& bytes) {
    sipstorm::sip::MessageView m;
    if (!sipstorm::sip::parse(bytes, m, sipstorm::sip::Framing::kDatagram).ok()) return false;
    sipstorm::bench::TxnKeys keys;
    return sipstorm::bench::extract_txn_keys(m, keys);
}

// Parses the corpus over and over for `seconds`; checks the clock once per pass over the corpus.
void run_slice(Contender& c, const std::vector<Message>& corpus, double seconds) {
    uint64_t pass_bytes = 0;
    for (const Message& m : corpus) pass_bytes += m.bytes.size();
    sipstorm::sip::force_scalar_scan(c.scalar);
    const double cpu_start = thread_cpu_seconds();
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    uint64_t passes = 0;
    auto now = start;
    do {
        for (const Message& m : corpus) {
            if (!c.parse(m.bytes)) fail(fmt::format("{} lost a mandatory field in {}", c.name, m.name));
        }
        ++passes;
        now = Clock::now();
    } while (now < deadline);
    sipstorm::sip::force_scalar_scan(false);
    const double cpu = thread_cpu_seconds() - cpu_start;
    c.messages += passes * corpus.size();
    c.bytes += passes * pass_bytes;
    c.seconds += cpu;
    c.wall_seconds += std::chrono::duration<double>(now - start).count();
    c.round_rates.push_back(static_cast<double>(passes * corpus.size()) / cpu);
}

struct Options {
    double seconds = 2.0;  // per library, over all rounds
    int rounds = 10;
    std::filesystem::path corpus = std::filesystem::path(SIPSTORM_BENCH_DIR) / "corpus";
    int cpu = -1;
};

constexpr const char* kHelp = R"(Usage: parse_compare [--seconds S] [--rounds R] [--corpus DIR] [--cpu N]

Parses the basic-call corpus (INVITE+SDP, 100, 180, 200+SDP, ACK, BYE, 200) with sofia-sip, osip2
and sipstorm on one core and prints messages/s, MB/s and sipstorm's ratios.
  --seconds S   measured time per library, spread over the rounds (default 2)
  --rounds R    rounds; each runs every library for S/R seconds in a rotated order (default 10)
  --corpus DIR  directory holding the corpus files (default: the source tree's bench/corpus)
  --cpu N       pin the process to CPU N
)";

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) fail(fmt::format("{} needs a value", a));
            return argv[++i];
        };
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            std::exit(0);
        } else if (a == "--seconds") {
            o.seconds = std::atof(value().c_str());
        } else if (a == "--rounds") {
            o.rounds = std::atoi(value().c_str());
        } else if (a == "--corpus") {
            o.corpus = value();
        } else if (a == "--cpu") {
            o.cpu = std::atoi(value().c_str());
        } else {
            fail(fmt::format("unknown option '{}' (see --help)", a));
        }
    }
    if (!(o.seconds > 0) || o.rounds < 1) fail("--seconds must be > 0 and --rounds >= 1");
    return o;
}

void pin_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) fail(fmt::format("cannot pin to CPU {}", cpu));
}

double rate(const Contender& c) {
    return static_cast<double>(c.messages) / c.seconds;
}

void print_ratios(const std::vector<Contender>& cs) {
    const Contender& sofia = cs[0];
    const Contender& osip = cs[1];
    fmt::print("\n");
    for (size_t i = 2; i < cs.size(); ++i) {
        fmt::print("{}: {:.2f}x sofia-sip, {:.2f}x osip2\n", cs[i].name, rate(cs[i]) / rate(sofia),
                   rate(cs[i]) / rate(osip));
    }
    // parser.hpp offers force_scalar_scan() but no query of the path in use, so both are measured.
    fmt::print(
        "scan path: 'sipstorm' = the parser's default (SIMD line scan where the CPU has it; SSE2 {}), "
        "'sipstorm (scalar)' = force_scalar_scan(true)\n",
        __builtin_cpu_supports("sse2") ? "present" : "absent");
}

void print_table(const std::vector<Contender>& cs, const Options& o, uint64_t corpus_bytes,
                 size_t corpus_size) {
    fmt::print("corpus: {} messages, {} bytes (mean {:.0f} B/msg); {:.1f} s per library in {} rounds\n\n",
               corpus_size, corpus_bytes,
               static_cast<double>(corpus_bytes) / static_cast<double>(corpus_size), o.seconds, o.rounds);
    fmt::print("{:<20} {:>12} {:>10} {:>10} {:>24} {:>12}\n", "library", "msgs/s", "MB/s", "ns/msg",
               "rounds min..max msgs/s", "wall msgs/s");
    for (const Contender& c : cs) {
        const double msgs = rate(c);
        const double mbps = static_cast<double>(c.bytes) / c.seconds / 1e6;
        auto [lo, hi] = std::minmax_element(c.round_rates.begin(), c.round_rates.end());
        const double wall = static_cast<double>(c.messages) / c.wall_seconds;
        fmt::print("{:<20} {:>12.0f} {:>10.1f} {:>10.1f} {:>11.0f}..{:<12.0f} {:>12.0f}\n", c.name, msgs,
                   mbps, 1e9 / msgs, *lo, *hi, wall);
    }
    fmt::print(
        "(msgs/s, MB/s and ns/msg per second of this thread's CPU time; 'wall' also counts time the\n"
        " scheduler gave to other processes)\n");
}

}  // namespace

int main(int argc, char** argv) {
    const Options opts = parse_options(argc, argv);
    if (opts.cpu >= 0) pin_to_cpu(opts.cpu);
    parser_init();
    const std::vector<Message> corpus = load_corpus(opts.corpus);
    uint64_t corpus_bytes = 0;
    for (const Message& m : corpus) corpus_bytes += m.bytes.size();

    std::vector<Contender> cs = {
        {"sofia-sip", parse_sofia},
        {"osip2", parse_osip},
        {"sipstorm", parse_sipstorm},
        {"sipstorm (scalar)", parse_sipstorm, true},
    };
    // Every parser must accept every message before anything is timed.
    for (Contender& c : cs) {
        sipstorm::sip::force_scalar_scan(c.scalar);
        for (const Message& m : corpus) {
            if (!c.parse(m.bytes))
                fail(fmt::format("{} rejects {} or misses a mandatory field", c.name, m.name));
        }
        sipstorm::sip::force_scalar_scan(false);
    }
    const double slice = opts.seconds / opts.rounds;
    for (int r = 0; r < opts.rounds; ++r) {
        for (size_t k = 0; k < cs.size(); ++k)
            run_slice(cs[(k + static_cast<size_t>(r)) % cs.size()], corpus, slice);
    }
    print_table(cs, opts, corpus_bytes, corpus.size());
    print_ratios(cs);
    return 0;
}
