// sipstorm report RESULT.json -o report.html: a single self-contained HTML page (no external URL,
// works offline) that plots a result file of `sipstorm run --out` with the uPlot library compiled
// into the binary (tools/report/, embedded at build time).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "commands.hpp"

namespace sipstorm::cli {

int cmd_report(const Args& args);

// Throws std::invalid_argument with one line saying why when `result` is not a sipstorm result file.
void check_result_json(const nlohmann::json& result);

// The report page for a result file (checked with check_result_json first).
std::string render_report_html(const nlohmann::json& result, const std::string& source_name);

// `j` as JSON text that is safe inside an HTML <script> element: '<', '>' and '&' are written as
// \u003c, \u003e, \u0026 (so no "</script>" or "<!--" can appear), invalid UTF-8 is replaced.
std::string json_for_script(const nlohmann::json& j);

}  // namespace sipstorm::cli
