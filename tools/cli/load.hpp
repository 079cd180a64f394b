// What `run` and `serve` share: option groups, loading scenarios, running a ua::Runner while a
// reporter prints one line a second, and the final summary and result file.
#pragma once
#include <boost/program_options.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "net/address.hpp"
#include "net/resolve.hpp"
#include "outputs.hpp"
#include "ua/program.hpp"
#include "ua/runner.hpp"

namespace sipstorm::cli {

namespace po = boost::program_options;

// Options both commands take.
struct CommonOptions {
    unsigned shards = 0;  // 0: one per core
    std::vector<std::string> set;
    double loss = 0;
    uint32_t t1_ms = 500, t2_ms = 4000, t4_ms = 5000;
    std::string out;
    std::string pcap;
    OutputOptions outputs;  // --gate, --csv, --junit
    std::string duration;   // "60s"
    uint64_t calls = 0;
    uint32_t call_slots = 1u << 18;
    bool busy_poll = false;
    bool no_gso = false, no_gro = false;
    std::string drain;  // how long live calls may take after the last start or a stop
    std::string engine = "kernel";
    ua::DpdkSpec dpdk;
    int dpdk_prefix = 24;
    bool quiet = false;
    std::vector<std::string> inf;        // --inf FILE (SIPp injection files)
    std::vector<std::string> inf_names;  // --inf-names [FILE=]NAME,NAME
    std::string auth;                    // --auth USER:PASSWORD
    std::string prefer = "ipv4";         // --prefer: the address family taken for a name with both
    std::string rtp_ports = "10000-59999";  // --rtp-ports LO-HI
    std::string media_timeout = "5s";       // --media-timeout
    std::string metrics;                 // --metrics HOST:PORT: serve /metrics (Prometheus)
    std::string metrics_linger;          // --metrics-linger T: after the run, wait for a last scrape
    bool auto_answer = false;            // --auto-answer (SIPp's -aa)
    bool bye_on_abort = false;           // --bye-on-abort (SIPp's default behaviour "bye")
    bool rtp_echo = false;               // --rtp-echo (SIPp's -rtp_echo; SIPp XML scenarios)
};

void add_common_options(po::options_description& d, CommonOptions& o);
// Checks --engine and the --dpdk-* options and fills o.dpdk. Throws UsageError.
void check_engine_options(CommonOptions& o);

// Parses argv with the given options and one positional scenario; prints help when asked
// (returns false then). Throws UsageError on bad options.
bool parse_command_line(const Args& args, const po::options_description& d, const char* usage,
                        std::string& scenario, po::variables_map& vm);

std::map<std::string, std::string> parse_set(const std::vector<std::string>& set);
uint64_t parse_duration_ns(const std::string& text, const char* option);
unsigned default_shards();
// "2 shard(s)", or with the reason the count is lower than the default: "1 shard(s): port 0
// (net_af_packet) has 1 RX/TX queue pair". For the header line.
std::string shards_text(const ua::Runner& runner);
net::FamilyPreference family_preference(const CommonOptions& o);  // --prefer; throws UsageError
// --rtp-ports, --media-timeout and --loss into the endpoint's media settings; `half` 0 or 1 takes
// the lower or upper half of the port range (run's UAC and built-in UAS share one machine), -1 all.
void apply_media_options(const CommonOptions& o, ua::EndpointSpec& spec, int half = -1);
// A HOST:PORT option: a numeric address or a name (resolved now). Throws UsageError naming `option`.
net::Address parse_address(const std::string& text, uint16_t default_port, const char* option,
                           net::FamilyPreference prefer = net::FamilyPreference::kIPv4);
// The local address the kernel would use to reach `target` (for Via and Contact).
net::Address local_address_for(const net::Address& target);

// Compiles a scenario or throws UsageError with "file:line: message". With `common`, its --inf files
// and --auth apply.
std::unique_ptr<ua::Program> load_scenario(const std::string& path,
                                           const std::map<std::string, std::string>& params,
                                           const CommonOptions* common = nullptr);

struct ReportOptions {
    size_t main_endpoint = 0;  // whose calls the live line and summary are about
    double target_cps = 0;
    uint64_t calls_goal = 0;                // for the progress figure (0 = unknown)
    uint64_t duration_goal_ns = 0;          // likewise
    uint64_t drain_ns = 10'000'000'000ull;  // after a stop request, how long live calls may take
    uint64_t stop_after_calls = 0;          // serve: stop once this many calls ended (0 = never)
    uint64_t stop_after_ns = 0;             // serve: stop after this time (0 = never)
    bool quiet = false;
    std::string out;  // result JSON path
    OutputOptions outputs;
    std::vector<report::Gate> gates;  // parsed before the run (parse_gates_or_throw)
    std::string scenario, target, command_line;
    std::string transport;      // "TCP, one shared connection per shard" ... (empty: UDP)
    bool tls_insecure = false;  // the summary says loudly that certificates were not checked
    std::optional<std::pair<uint32_t, uint32_t>> shard_of;  // run --shard-of I/N: written as shard_of
    std::string metrics;                                    // --metrics HOST:PORT (empty: none)
    uint64_t metrics_linger_ns = 0;  // after the run, serve the final figures until one scrape or this
    const char* command = "run";     // for sipstorm_info
    std::vector<std::string> counter_names, timer_names;  // the scenario's own (ua::Program)
};

// Runs to the end (load done, a stop condition, or SIGINT/SIGTERM), prints the summary, writes the
// result file. Returns the process exit code: 0 no failed call, 1 some failed.
int run_and_report(ua::Runner& runner, const ReportOptions& opt);

std::string command_line_of(const char* command, const Args& args);

// How long live calls get to end after the last call started or after Ctrl-C: --drain if given,
// else the scenario's longest pauses plus 64*T1 (the longest a transaction can take) plus a second.
uint64_t drain_ns_for(const CommonOptions& o, const ua::Program& program);

}  // namespace sipstorm::cli
