// sipstorm report RESULT.json [-o report.html]: turns a result file into one self-contained HTML page.
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "commands.hpp"
#include "report_html.hpp"
#include "sip_files.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kReportHelp = R"(Usage: sipstorm report RESULT.json [-o REPORT.html]

Writes one self-contained HTML page (no external URL, works offline) for a result file written by
'sipstorm run --out RESULT.json': a summary table (calls, rate, latency percentiles,
retransmissions, generator health with a warning when the generator was saturated, gate verdicts
when the result holds any) and plots of the run over time (target, attempted and succeeded
calls/s, concurrent calls, failures by reason, retransmissions, setup time p50/p99/max, schedule
lag and busy share) and of the setup-time histogram. RESULT.json '-' reads standard input.
A result of 'sipstorm conform --out FILE' gives a page of its verdicts by role and section, every
case, and a ladder diagram of the messages of each case that failed or was inconclusive.

  -o, --out FILE   write the page here ('-' for standard output); default: RESULT with its .json
                   extension replaced by .html (report.html when reading standard input)

Exit status: 0 written, 2 usage error, unreadable or invalid JSON, or not a sipstorm result.
)";

std::string default_output(const std::string& input) {
    if (input == "-") return "report.html";
    std::string base = input;
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".json") == 0) base.resize(base.size() - 5);
    return base + ".html";
}

}  // namespace

int cmd_report(const Args& args) {
    std::string input, output;
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!options_done && (a == "--help" || a == "-h")) {
            fmt::print("{}", kReportHelp);
            return 0;
        }
        if (!options_done && (a == "-o" || a == "--out")) {
            if (i + 1 == args.size())
                throw UsageError(fmt::format("{} needs a FILE (see 'sipstorm report --help')", a));
            output = args[++i];
        } else if (!options_done && a.rfind("--out=", 0) == 0) {
            output = a.substr(6);
        } else if (!options_done && a == "--") {
            options_done = true;
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            throw UsageError(fmt::format("unknown option '{}' (see 'sipstorm report --help')", a));
        } else if (input.empty()) {
            input = a;
        } else {
            throw UsageError(
                fmt::format("one RESULT.json only, got '{}' too (see 'sipstorm report --help')", a));
        }
    }
    if (input.empty()) throw UsageError("no RESULT.json given (see 'sipstorm report --help')");
    if (output.empty()) output = default_output(input);
    if (output.empty()) throw UsageError("-o needs a FILE name");

    std::string name = display_name(input);
    std::string text;
    try {
        text = read_input(input);
    } catch (const IoError& e) {
        fmt::print(stderr, "sipstorm report: cannot read {}\n", e.what());
        return 2;
    }
    nlohmann::json result;
    try {
        result = nlohmann::json::parse(text);
        if (!is_conform_result(result)) check_result_json(result);
    } catch (const nlohmann::json::exception& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
        std::string what = e.what();
        size_t cut = what.find("] ");
        fmt::print(stderr, "sipstorm report: {}: invalid JSON: {}\n", name,
                   cut == std::string::npos ? what : what.substr(cut + 2));
        return 2;
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "sipstorm report: {}: {}\n", name, e.what());
        return 2;
    }

    std::string html =
        is_conform_result(result) ? render_conform_html(result, name) : render_report_html(result, name);
    if (output == "-") {
        std::fwrite(html.data(), 1, html.size(), stdout);
        std::fflush(stdout);
        return std::ferror(stdout) ? 2 : 0;
    }
    std::ofstream f(output, std::ios::binary | std::ios::trunc);
    if (f) f.write(html.data(), static_cast<std::streamsize>(html.size()));
    if (f) f.close();
    if (!f) {
        fmt::print(stderr, "sipstorm report: cannot write {}: {}\n", output, std::strerror(errno));
        return 2;
    }
    fmt::print("report written to {}\n", output);
    return 0;
}

}  // namespace sipstorm::cli
