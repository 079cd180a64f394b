// sipstorm report RESULT.json -o report.html: a single self-contained HTML page (no external URL,
// works offline) that plots a result file of `sipstorm run --out` with the uPlot library compiled
// into the binary (tools/report/, embedded at build time).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

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

// Text for HTML element content and attribute values.
std::string html_escape(std::string_view s);

// The result of `sipstorm conform --out` (an object with "conform"): a page with the verdicts by role
// and section, every case, and a ladder diagram of the messages of each case that did not pass.
bool is_conform_result(const nlohmann::json& result);
std::string render_conform_html(const nlohmann::json& result, const std::string& source_name);

}  // namespace sipstorm::cli
