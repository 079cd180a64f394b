#include "conform/output.hpp"

#include <fmt/core.h>

#include <map>
#include <tuple>

#include "report/xml.hpp"

namespace sipstorm::conform {
namespace {

std::string group_of(const CaseResult& r) {
    return r.c->role + " " + r.c->section;
}

}  // namespace

std::string list_line(const Case& c) {
    return fmt::format("{:<14} {:<48} {:<26} {:<9} {}", c.id, c.title, c.section, c.role, c.passes);
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        unsigned char ch = static_cast<unsigned char>(bytes[i]);
        if (ch == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
            out += "\n";
            ++i;
        } else if (ch == '\n') {
            out += "\\n\n";
        } else if (ch == '\t' || (ch >= 0x20 && ch < 0x7f)) {
            out += static_cast<char>(ch);
        } else {
            out += fmt::format("\\x{:02x}", ch);
        }
    }
    return out;
}

std::string evidence_text(const CaseResult& r) {
    std::string out;
    for (const Exchange& e : r.evidence) {
        out += fmt::format("+{:.1f} ms {} {} -> {} ({} bytes)\n", e.t_ms, e.sent ? "sent" : "received",
                           e.from, e.to, e.bytes.size());
        std::string text = printable(e.bytes.size() > 6000 ? e.bytes.substr(0, 6000) : e.bytes);
        out += text;
        if (e.bytes.size() > 6000) out += fmt::format("\n[... {} more bytes]", e.bytes.size() - 6000);
        if (!text.empty() && text.back() != '\n') out += "\n";
        out += "\n";
    }
    return out;
}

std::string summary_table(const std::vector<CaseResult>& results) {
    std::map<std::tuple<std::string, std::string>, std::array<int, 5>> rows;  // pass fail allowed inc n/a
    std::array<int, 5> total{};
    for (const CaseResult& r : results) {
        auto& row = rows[{r.c->role, r.c->section}];
        int k = r.verdict == Verdict::kPass                 ? 0
                : r.verdict == Verdict::kFail && !r.allowed ? 1
                : r.verdict == Verdict::kFail               ? 2
                : r.verdict == Verdict::kInconclusive       ? 3
                                                            : 4;
        ++row[static_cast<size_t>(k)];
        ++total[static_cast<size_t>(k)];
    }
    std::string out = fmt::format("{:<10} {:<26} {:>5} {:>5} {:>8} {:>13} {:>5}\n", "role", "section", "pass",
                                  "fail", "allowed", "inconclusive", "n/a");
    for (const auto& [key, n] : rows)
        out += fmt::format("{:<10} {:<26} {:>5} {:>5} {:>8} {:>13} {:>5}\n", std::get<0>(key),
                           std::get<1>(key), n[0], n[1], n[2], n[3], n[4]);
    out += fmt::format("{:<10} {:<26} {:>5} {:>5} {:>8} {:>13} {:>5}\n", "total", "", total[0], total[1],
                       total[2], total[3], total[4]);
    for (const CaseResult& r : results)
        if (r.verdict != Verdict::kPass)
            out += fmt::format("{:<12} {:<14} {}: {}\n",
                               r.allowed ? "fail(allowed)" : std::string(to_string(r.verdict)), r.c->id,
                               r.c->title, r.message);
    return out;
}

std::string junit(const std::vector<CaseResult>& results, const RunInfo& info) {
    std::map<std::string, std::vector<const CaseResult*>> suites;
    for (const CaseResult& r : results) suites[group_of(r)].push_back(&r);
    int tests = 0, failures = 0, skipped = 0;
    std::string body;
    for (const auto& [name, list] : suites) {
        int f = 0, sk = 0;
        double t = 0;
        std::string cases;
        for (const CaseResult* r : list) {
            t += r->duration_ms / 1000;
            cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n",
                                 report::xml_escape("conform." + r->c->role),
                                 report::xml_escape(r->c->id + " " + r->c->title), r->duration_ms / 1000);
            if (r->verdict == Verdict::kFail && !r->allowed) {
                ++f;
                cases += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                                     report::xml_escape(r->message),
                                     report::xml_escape(r->c->passes + "\n" + r->message));
            } else if (r->verdict != Verdict::kPass) {
                ++sk;
                cases += fmt::format(
                    "      <skipped message=\"{}\"/>\n",
                    report::xml_escape(std::string(to_string(r->verdict)) +
                                       (r->allowed ? " (allowed by --allow)" : "") + ": " + r->message));
            }
            cases += "      <system-out>" + report::xml_escape(evidence_text(*r)) + "</system-out>\n";
            cases += "    </testcase>\n";
        }
        tests += static_cast<int>(list.size());
        failures += f;
        skipped += sk;
        body += fmt::format(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n",
            report::xml_escape(name), list.size(), f, sk, t);
        body += "    <properties><property name=\"target\" value=\"" + report::xml_escape(info.target) +
                "\"/></properties>\n";
        body += cases + "  </testsuite>\n";
    }
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sipstorm conform\" "
        "tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n{}</testsuites>\n",
        tests, failures, skipped, body);
}

nlohmann::json result_json(const std::vector<CaseResult>& results, const RunInfo& info) {
    nlohmann::json cases = nlohmann::json::array();
    std::map<std::string, int> counts{
        {"pass", 0}, {"fail", 0}, {"inconclusive", 0}, {"n/a", 0}, {"allowed", 0}};
    for (const CaseResult& r : results) {
        nlohmann::json ev = nlohmann::json::array();
        for (const Exchange& e : r.evidence)
            ev.push_back({{"t_ms", e.t_ms},
                          {"dir", e.sent ? "sent" : "received"},
                          {"from", e.from},
                          {"to", e.to},
                          {"text", printable(e.bytes)}});
        ++counts[std::string(to_string(r.verdict))];
        if (r.allowed) ++counts["allowed"];
        cases.push_back({{"id", r.c->id},
                         {"title", r.c->title},
                         {"section", r.c->section},
                         {"role", r.c->role},
                         {"suite", r.c->suite},
                         {"passes", r.c->passes},
                         {"verdict", to_string(r.verdict)},
                         {"allowed", r.allowed},
                         {"message", r.message},
                         {"duration_ms", r.duration_ms},
                         {"messages", ev}});
    }
    return {{"conform",
             {{"target", info.target},
              {"role", info.role},
              {"command_line", info.command_line},
              {"started_unix", info.started_unix},
              {"counts", counts},
              {"cases", cases}}}};
}

}  // namespace sipstorm::conform
