// sipstorm conform: plays conformance cases (engine/conform) against one target and reports a
// verdict per case on the terminal, as JUnit XML and as a result JSON.
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "conform/case_loader.hpp"
#include "conform/generated.hpp"
#include "conform/output.hpp"
#include "conform/runner.hpp"
#include "data_dir.hpp"
#include "load.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kUsage =
    "Usage: sipstorm conform --target HOST:PORT --role uas|proxy|registrar [options]\n"
    "       sipstorm conform --listen HOST:PORT --role uac [options]   (the target calls the listener)\n\n"
    "Plays conformance cases against a live SIP element and judges each one: pass, fail (what was\n"
    "expected, what arrived or that nothing did), inconclusive, or n/a (the target said it does not do it).\n"
    "Suites: uas, proxy, registrar, uac (case files in scenarios/conform/suites/NAME; --role uac needs\n"
    "--listen: the target calls sipstorm), torture (RFC 4475 and RFC 5118 messages), robustness\n"
    "(--cases N --seed S mutated INVITEs), or a directory of your own case files.\n"
    "Exit code: 0 when no case fails (n/a and inconclusive allowed), 1 when one fails, 2 on a usage error.";

bool is_dir(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The case files and their Lua library ship with the ready scenarios (data_dir.hpp).
std::string conform_root() {
    return data_dir() + "/scenarios/conform";
}

std::set<std::string> read_allow(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw UsageError("cannot read --allow file '" + path + "'");
    std::set<std::string> ids;
    for (std::string line; std::getline(f, line);) {
        size_t hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream ws(line);
        for (std::string id; ws >> id;) ids.insert(id);
    }
    return ids;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write '" + path + "'");
}

}  // namespace

int cmd_conform(const Args& args) {
    namespace po = boost::program_options;
    std::string target, role = "uas", transport = "udp", junit, out, allow, local_ip, messages, listen;
    std::vector<std::string> suites, case_ids;
    uint32_t rob_cases = 50;
    uint64_t seed = 1;
    uint32_t t1 = 500;
    uint16_t local_port = 0;
    po::options_description d("Options");
    d.add_options()("help,h", "this text")("target", po::value(&target),
                                           "HOST:PORT of the element under test")(
        "role", po::value(&role), "uas (default), proxy, registrar or uac: what the target is")(
        "transport", po::value(&transport), "udp (default; tcp and tls are not implemented yet)")(
        "suite", po::value(&suites)->composing(),
        "NAME (uas, proxy, registrar, uac, torture, robustness) or DIR of case files; repeatable (default: the "
        "role's suite)")("case", po::value(&case_ids)->composing(), "run only this case id; repeatable")(
        "list", "print the cases (id, title, section, role, what passes) and exit")(
        "junit", po::value(&junit), "write JUnit XML here")("out", po::value(&out),
                                                            "write the result JSON here")(
        "allow", po::value(&allow), "FILE of case ids known to fail: reported, but they do not fail the run")(
        "cases", po::value(&rob_cases), "robustness: how many mutated INVITEs (default 50)")(
        "seed", po::value(&seed), "robustness: the mutator's seed (default 1)")(
        "local-ip", po::value(&local_ip), "address to send from (default: the route to the target)")(
        "local-port", po::value(&local_port), "port to send from (default: any)")(
        "t1", po::value(&t1), "T1 in ms for the liveness probe's re-sends (default 500)")(
        "listen", po::value(&listen),
        "--role uac: HOST:PORT to listen on; each case waits for its own call from the target (send it "
        "at least as many calls as cases)")(
        "messages", po::value(&messages),
        "folder holding rfc4475/ and rfc5118/ with their MANIFEST.tsv (the torture suite)");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(d).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (vm.count("help")) {
        std::ostringstream os;
        os << d;
        fmt::print("{}\n{}", kUsage, os.str());
        return 0;
    }
    const std::set<std::string> roles = {"uas", "proxy", "registrar", "uac"};
    if (!roles.count(role))
        throw UsageError("--role must be uas, proxy, registrar or uac, got '" + role + "'");
    if (transport != "udp")
        throw UsageError("--transport " + transport + " is not implemented yet: conform speaks UDP only");
    const bool list = vm.count("list") > 0;
    if (!list && role == "uac" && listen.empty())
        throw UsageError("--role uac needs --listen HOST:PORT: the target calls conform (see --help)");
    if (!list && role != "uac" && target.empty())
        throw UsageError("--target HOST:PORT is required (see --help)");
    if (!listen.empty() && role != "uac") throw UsageError("--listen is for --role uac only");

    const std::string root = conform_root();
    if (messages.empty()) messages = std::string(SIPSTORM_SOURCE_DIR) + "/../shared/conformance";
    if (suites.empty()) suites.push_back(role);
    std::vector<conform::Case> cases;
    for (const std::string& s : suites) {
        std::string error;
        if (s == "torture") {
            if (!conform::torture_cases(messages, role, cases, error)) throw UsageError(error);
        } else if (s == "robustness") {
            conform::robustness_cases(seed, rob_cases, cases);
        } else {
            std::string dir = is_dir(s) ? s : root + "/suites/" + s;
            if (!is_dir(dir)) throw UsageError("--suite " + s + ": no such suite or directory");
            if (!conform::load_case_dir(dir, root + "/lib", s, cases, error)) throw UsageError(error);
        }
    }
    // Robustness ids rebuild their case even outside --cases, so a failure can be replayed alone.
    for (const std::string& id : case_ids) {
        bool known = false;
        for (const auto& c : cases) known = known || c.id == id;
        conform::Case c;
        if (!known && conform::robustness_case(id, c)) cases.push_back(std::move(c));
    }
    std::vector<conform::Case> chosen;
    for (auto& c : cases) {
        if (c.role != role && c.role != "any") continue;
        if (!case_ids.empty() && std::find(case_ids.begin(), case_ids.end(), c.id) == case_ids.end())
            continue;
        chosen.push_back(std::move(c));
    }
    for (const std::string& id : case_ids) {
        bool found = false;
        for (const auto& c : chosen) found = found || c.id == id;
        if (!found)
            throw UsageError("--case " + id + ": no such case for --role " + role + " in the suites given");
    }
    if (list) {
        for (const auto& c : chosen) fmt::print("{}\n", conform::list_line(c));
        return 0;
    }
    if (chosen.empty()) throw UsageError("no case to run for --role " + role);

    conform::RunOptions opt;
    if (!listen.empty()) {
        opt.listen = true;
        opt.local = parse_address(listen, 5060, "listen");
        opt.target = opt.local;
    } else {
        opt.target = parse_address(target, 5060, "target");
        opt.local = local_ip.empty() ? local_address_for(opt.target) : parse_address(local_ip, 0, "local-ip");
        opt.local.port = local_port;
    }
    opt.t1_ms = t1;
    std::set<std::string> allowed = allow.empty() ? std::set<std::string>() : read_allow(allow);

    conform::RunInfo info;
    info.target = opt.listen ? "callers of " + opt.local.to_string() : opt.target.to_string();
    info.role = role;
    info.command_line = command_line_of("conform", args);
    info.started_unix =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    fmt::print("sipstorm conform: {} case(s) against {} as {}\n", chosen.size(), info.target, role);
    std::fflush(stdout);
    std::vector<conform::CaseResult> results;
    std::string error;
    if (!conform::run_cases(chosen, opt, results, error)) throw std::runtime_error(error);
    bool failed = false;
    for (auto& r : results) {
        r.allowed = r.verdict == conform::Verdict::kFail && allowed.count(r.c->id);
        failed = failed || (r.verdict == conform::Verdict::kFail && !r.allowed);
    }
    fmt::print("{}", conform::summary_table(results));
    for (const auto& r : results)
        if (r.verdict == conform::Verdict::kFail && r.c->suite == "robustness" && !r.evidence.empty()) {
            fmt::print(
                "\n{} sent these {} bytes (replay: sipstorm conform --target {} --role {} --case {}):\n{}\n",
                r.c->id, r.evidence.front().bytes.size(), target, role, r.c->id,
                conform::printable(r.evidence.front().bytes));
        }
    if (!junit.empty()) write_file(junit, conform::junit(results, info));
    if (!out.empty()) write_file(out, conform::result_json(results, info).dump(1) + "\n");
    return failed ? 1 : 0;
}

}  // namespace sipstorm::cli
