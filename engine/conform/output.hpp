// A conformance run's outputs: the --list line of a case, the terminal summary (by role and
// section), JUnit XML (a testsuite per role and section, a testcase per case, the exchanged messages
// in system-out) and the result JSON (tools/RESULT_SCHEMA.md, "conform").
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conform/result.hpp"

namespace sipstorm::conform {

struct RunInfo {
    std::string target, role, command_line;
    double started_unix = 0;
};

std::string list_line(const Case& c);
std::string summary_table(const std::vector<CaseResult>& results);
std::string junit(const std::vector<CaseResult>& results, const RunInfo& info);
nlohmann::json result_json(const std::vector<CaseResult>& results, const RunInfo& info);
// The messages of one case as text: "+12.3 ms 127.0.0.1:5061 -> 127.0.0.1:5060" and the bytes.
std::string evidence_text(const CaseResult& r);
// Bytes with CR, LF shown as \r \n at line ends, other control bytes and non-ASCII as \xHH.
std::string printable(std::string_view bytes);

}  // namespace sipstorm::conform
