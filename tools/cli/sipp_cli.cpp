// sipstorm sipp ARGS...: SIPp's command line, for scripts that switch by changing the binary's
// name. The options become those of `sipstorm run` (a UAC scenario) or `sipstorm serve` (a UAS one);
// -trace_stat writes SIPp's statistics file. An option sipstorm does not support is an error naming it.
#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "sipp_stat.hpp"
#include "sippxml/compiler.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kSippHelp = R"(Usage: sipstorm sipp [SIPp options] [REMOTE_HOST[:PORT]]

Accepts SIPp's command line and runs it with sipstorm's engine: a UAC scenario as 'sipstorm run', a
UAS one as 'sipstorm serve'. Supported: -sf FILE, -sn NAME, -sd NAME (uac, uas, regexp, branchc,
branchs, uac_pcap, ooc_default), -r, -rp, -rate_increase, -rate_max, -m, -l, -d, -s, -i, -p,
-t u1|un|t1|tn|l1|ln (UDP, TCP, TLS; one connection for all calls or one per call), -timeout,
-recv_timeout, -max_socket, -mp (the first RTP port), -mi (the -i address), -rtp_echo, -inf, -au,
-ap, -key NAME VALUE, -set NAME VALUE, -trace_stat, -stf, -fd, -trace_err, -trace_msg (a pcap
file), -bg, -nostdin, -aa, -default_behaviors all|none|bye|-bye (by default, as SIPp's "bye", a
call that fails sends a CANCEL or a BYE). Anything else is an error naming the option. Exit status
as SIPp: 0 all calls succeeded, 1 some failed, 97 -timeout ended the run, 99 no call was processed.
)";

const char* const kBuiltins[] = {"uac", "uas", "regexp", "branchc", "branchs", "uac_pcap", "ooc_default"};

std::string builtin_path(const std::string& name) {
    for (const char* b : kBuiltins)
        if (name == b) {
            const std::string p = std::string(SIPSTORM_SOURCE_DIR) + "/scenarios/sipp/" + name + ".xml";
            if (access(p.c_str(), R_OK) != 0)
                throw UsageError("the built-in scenario " + p + " can't be read");
            return p;
        }
    std::string known;
    for (const char* b : kBuiltins) known += (known.empty() ? "" : ", ") + std::string(b);
    throw UsageError("-sn/-sd " + name + ": no such built-in scenario (sipstorm has " + known +
                     "; 3PCC, uac_pcap and ooc_default are not supported)");
}

std::vector<double> bounds(const std::vector<std::string>& v) {
    std::vector<double> out;
    for (const std::string& s : v) out.push_back(std::atof(s.c_str()));
    return out;
}

}  // namespace

int cmd_sipp(const Args& args) {
    std::string scenario, remote, local_ip, port, stat_file, err_file_wanted, service;
    std::string auth_user, auth_pass, timeout, recv_timeout;
    std::vector<std::string> passthrough;  // options passed to run / serve as they are
    bool per_call_connections = false;     // -t tn / ln
    bool bye_on_abort = true;              // SIPp's default behaviours: all
    std::string media_ip;                  // -mi: must be the signalling address
    std::vector<std::string> sets, infs;
    double rate = 10, rate_period_ms = 1000, rate_increase = 0, rate_max = 0, fd = 60;
    long long max_calls = 0, limit = 0;
    bool trace_stat = false, trace_err = false, trace_msg = false, background = false, rate_given = false;
    auto value = [&](size_t& i) -> const std::string& {
        if (i + 1 >= args.size()) throw UsageError(args[i] + " needs a value");
        return args[++i];
    };
    auto number = [&](size_t& i) {
        const std::string& name = args[i];
        const std::string& v = value(i);
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (end == v.c_str() || *end != '\0' || d < 0)
            throw UsageError(name + " needs a number, got '" + v + "'");
        return d;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            fmt::print("{}", kSippHelp);
            return 0;
        } else if (a == "-sf") {
            scenario = value(i);
        } else if (a == "-sn") {
            scenario = builtin_path(value(i));
        } else if (a == "-sd") {
            std::ifstream in(builtin_path(value(i)));
            std::ostringstream s;
            s << in.rdbuf();
            fmt::print("{}", s.str());
            return 0;
        } else if (a == "-r") {
            rate = number(i);
            rate_given = true;
        } else if (a == "-rp") {
            rate_period_ms = number(i);
            if (rate_period_ms <= 0) throw UsageError("-rp must be > 0 ms");
        } else if (a == "-rate_increase") {
            rate_increase = number(i);
        } else if (a == "-rate_max") {
            rate_max = number(i);
        } else if (a == "-m") {
            max_calls = static_cast<long long>(number(i));
        } else if (a == "-l") {
            limit = static_cast<long long>(number(i));
        } else if (a == "-d") {
            sets.push_back("duration=" + value(i));
        } else if (a == "-s") {
            service = value(i);
            sets.push_back("service=" + service);
        } else if (a == "-i") {
            local_ip = value(i);
        } else if (a == "-p") {
            port = value(i);
        } else if (a == "-t") {
            // SIPp's transport modes onto --transport and --connections: one connection (socket) for
            // every call, or one per call.
            const std::string& t = value(i);
            if (t != "u1" && t != "un" && t != "t1" && t != "tn" && t != "l1" && t != "ln")
                throw UsageError("-t " + t + ": sipstorm sipp takes u1, un, t1, tn, l1 or ln");
            if (t[0] != 'u') {
                passthrough.insert(passthrough.end(), {"--transport", t[0] == 't' ? "tcp" : "tls"});
                per_call_connections = t[1] == 'n';
            }
        } else if (a == "-timeout") {
            timeout = value(i);
        } else if (a == "-recv_timeout") {
            recv_timeout = value(i) + "ms";
        } else if (a == "-max_socket") {
            value(i);  // UDP: one socket per shard in any case
        } else if (a == "-inf") {
            infs.push_back(value(i));
        } else if (a == "-au") {
            auth_user = value(i);
        } else if (a == "-ap") {
            auth_pass = value(i);
        } else if (a == "-key" || a == "-set") {
            const std::string& k = value(i);
            sets.push_back(k + "=" + value(i));
        } else if (a == "-trace_stat") {
            trace_stat = true;
        } else if (a == "-stf") {
            stat_file = value(i);
        } else if (a == "-fd") {
            fd = number(i);
        } else if (a == "-trace_err") {
            trace_err = true;
        } else if (a == "-trace_msg") {
            trace_msg = true;
        } else if (a == "-bg") {
            background = true;
        } else if (a == "-mp") {
            // SIPp's media port; sipstorm gives each call its own RTP port, from here up.
            const double mp = number(i);
            if (mp < 1024 || mp > 65000 || mp != static_cast<int>(mp))
                throw UsageError("-mp: a port from 1024 to 65000");
            passthrough.insert(passthrough.end(),
                               {"--rtp-ports", fmt::format("{}-{}", mp, std::min(65534.0, mp + 9999))});
        } else if (a == "-rtp_echo") {
            passthrough.push_back("--rtp-echo");
        } else if (a == "-mi") {
            media_ip = value(i);
        } else if (a == "-aa") {
            passthrough.push_back("--auto-answer");
        } else if (a == "-nostdin") {
        } else if (a == "-default_behaviors") {
            // SIPp's: all (bye, abortunexp, pingreply), none, or a comma list; "-NAME" turns one off.
            // An unexpected message always aborts its call here; out-of-call pings are always answered.
            std::stringstream list(value(i));
            for (std::string b; std::getline(list, b, ',');) {
                if (b == "all" || b == "bye") {
                    bye_on_abort = true;
                } else if (b == "none" || b == "-bye") {
                    bye_on_abort = false;
                } else if (b != "abortunexp" && b != "pingreply" && b != "-pingreply") {
                    throw UsageError("-default_behaviors " + b +
                                     ": sipstorm takes all, none, bye, -bye, abortunexp, pingreply (an "
                                     "unexpected message always aborts its call)");
                }
            }
        } else if (!a.empty() && a[0] == '-') {
            throw UsageError("option " + a + " is not supported (see 'sipstorm sipp --help')");
        } else if (remote.empty()) {
            remote = a;
        } else {
            throw UsageError("one remote host at a time: '" + remote + "' and '" + a + "'");
        }
    }
    if (scenario.empty()) scenario = builtin_path("uac");  // SIPp's default scenario
    if (!media_ip.empty() && media_ip != local_ip)
        throw UsageError("-mi " + media_ip + ": RTP goes from the signalling address (-i" +
                         (local_ip.empty() ? ", not given" : " " + local_ip) + "); give -i the same address");

    // The role and repartition tables come from the scenario itself.
    std::map<std::string, std::string> params;
    for (const std::string& s : sets) params[s.substr(0, s.find('='))] = s.substr(s.find('=') + 1);
    ua::Program program;
    script::CompileError err;
    sippxml::XmlCompileResult compiled;
    if (!sippxml::compile_sipp_xml(scenario, params, script::CompileOptions{}, program, err, &compiled) &&
        err.message.find("injection") == std::string::npos)  // fields: checked again with the -inf files
        throw UsageError(script::to_string(err));
    const bool uas = program.role == ua::Role::kUas;

    const std::string stem =
        std::filesystem::path(scenario).stem().string() + "_" + std::to_string(getpid()) + "_";
    Args run;
    run.push_back(scenario);
    if (uas) {
        if (!remote.empty()) throw UsageError("a UAS scenario takes no remote host ('" + remote + "')");
        run.insert(run.end(), {"--listen", (local_ip.empty() ? "0.0.0.0" : local_ip) + ":" +
                                               (port.empty() ? "5060" : port)});
    } else {
        if (remote.empty())
            throw UsageError("a UAC scenario needs the remote host (sipstorm sipp ... HOST:PORT)");
        run.insert(run.end(), {"--target", remote});
        if (!local_ip.empty()) run.insert(run.end(), {"--local-ip", local_ip});
        if (!port.empty())
            fmt::print(stderr, "sipstorm sipp: -p {}: the UAC sends from one port per shard\n", port);
        const double cps = rate * 1000.0 / rate_period_ms;
        run.insert(run.end(), {"--rate", fmt::format("{:g}", cps)});
        if (rate_increase > 0) {
            // SIPp raises the rate by -rate_increase every -fd seconds up to -rate_max; here linearly.
            const double top = rate_max > cps ? rate_max : cps + rate_increase * 10;
            run = Args(run.begin(), run.end() - 1);
            run.push_back(fmt::format("{:g}", top));
            run.insert(run.end(),
                       {"--rate-ramp", fmt::format("{:g}:{:g}s", cps, (top - cps) / rate_increase * fd)});
        }
        (void)rate_given;
        if (limit > 0) run.insert(run.end(), {"--concurrent", std::to_string(limit)});
        if (per_call_connections) run.insert(run.end(), {"--connections", "per-call"});
        if (bye_on_abort) run.push_back("--bye-on-abort");
        if (!recv_timeout.empty()) run.insert(run.end(), {"--recv-timeout", recv_timeout});
    }
    if (max_calls > 0) run.insert(run.end(), {"--calls", std::to_string(max_calls)});
    if (!timeout.empty()) run.insert(run.end(), {"--duration", timeout});
    for (const std::string& s : sets) run.insert(run.end(), {"--set", s});
    run.insert(run.end(), passthrough.begin(), passthrough.end());
    run.insert(run.end(), {"--media-timeout", "0"});  // SIPp never fails a call for RTP that does not come
    for (const std::string& f : infs) run.insert(run.end(), {"--inf", f});
    if (!auth_user.empty() || !auth_pass.empty())
        run.insert(run.end(), {"--auth", auth_user + ":" + auth_pass});
    if (trace_msg) run.insert(run.end(), {"--pcap", stem + "messages.pcap"});
    const std::string result = stem + "result.json";
    // sipstorm's result file, kept beside SIPp's own NAME_PID_* files: -trace_stat, -trace_err and the
    // exit status are read from it.
    run.insert(run.end(), {"--out", result});
    if (background) {
        run.push_back("-q");
        const pid_t pid = fork();
        if (pid < 0) throw UsageError("-bg: fork failed");
        if (pid > 0) {
            fmt::print("Background mode - PID=[{}]\n", pid);
            return 0;
        }
        setsid();
    }
    int rc = uas ? cmd_serve(run) : cmd_run(run);
    if (access(result.c_str(), R_OK) == 0) {
        nlohmann::json r;
        try {
            r = nlohmann::json::parse(std::ifstream(result));
        } catch (const std::exception&) {
        }
        if (trace_stat) {
            SippStatOptions o;
            o.period_s = fd;
            o.uas = uas;
            o.response_time_ms = bounds(compiled.response_time_repartition);
            o.call_length_ms = bounds(compiled.call_length_repartition);
            std::string why;
            if (!write_sipp_stat(r, o, stat_file.empty() ? stem + ".csv" : stat_file, why))
                fmt::print(stderr, "sipstorm sipp: {}\n", why);
        }
        if (trace_err) {
            std::ofstream e(stem + "errors.log");
            if (r.contains("calls") && r["calls"].contains("failed_by_detail"))
                for (const auto& [detail, n] : r["calls"]["failed_by_detail"].items())
                    e << n.dump() << " call(s) failed: " << detail << "\n";
        }
        // SIPp's exit status: 99 when no call was processed, 97 when -timeout ended the run (before
        // -m calls ended, or with no -m), else 0 / 1 as every call succeeded or not.
        if ((rc == 0 || rc == 1) && r.contains("calls")) {
            const auto& c = r["calls"];
            const uint64_t ended = c.value("succeeded", uint64_t{0}) + c.value("failed", uint64_t{0});
            if (c.value("attempted", uint64_t{0}) == 0)
                rc = 99;
            else if (!timeout.empty() && (max_calls <= 0 || ended < static_cast<uint64_t>(max_calls)))
                rc = 97;
        }
    }
    return rc;
}

}  // namespace sipstorm::cli
