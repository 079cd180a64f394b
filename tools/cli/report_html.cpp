#include "report_html.hpp"

#include <stdexcept>
#include <string_view>

namespace sipstorm::cli {

// Generated from tools/report/ by tools/report/embed.cmake (library sipstorm_report_assets).
namespace report_assets {
std::string_view template_html();
std::string_view report_js();
std::string_view uplot_js();
std::string_view uplot_css();
}  // namespace report_assets

namespace {

using nlohmann::json;

// The template with each {{NAME}} replaced by its value, in one pass: text that comes in with a
// value (the result JSON, the library) is never scanned for placeholders.
std::string fill(std::string_view tpl,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t open = tpl.find("{{", pos);
        if (open == std::string_view::npos) break;
        size_t close = tpl.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        std::string_view name = tpl.substr(open + 2, close - open - 2);
        const std::string_view* value = nullptr;
        for (const auto& [k, v] : values)
            if (k == name) value = &v;
        out.append(tpl.substr(pos, open - pos));
        if (value) {
            out.append(*value);
        } else {
            out.append(tpl.substr(open, close + 2 - open));
        }
        pos = close + 2;
    }
    out.append(tpl.substr(pos));
    return out;
}

std::string str_or(const json& j, const char* key, const std::string& fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

// Text for HTML element content and attribute values.
std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string json_for_script(const json& j) {
    std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        switch (c) {
            case '<':
                out += "\\u003c";
                break;
            case '>':
                out += "\\u003e";
                break;
            case '&':
                out += "\\u0026";
                break;
            default:
                out += c;
        }
    }
    return out;
}

void check_result_json(const json& result) {
    if (!result.is_object()) throw std::invalid_argument("not a sipstorm result: the JSON is not an object");
    auto tool = result.find("tool");
    if (tool == result.end() || !tool->is_object() || tool->value("name", json()) != "sipstorm")
        throw std::invalid_argument(
            "not a sipstorm result: no \"tool\": {\"name\": \"sipstorm\"} (write one with 'sipstorm run "
            "--out FILE')");
    auto calls = result.find("calls");
    if (calls == result.end() || !calls->is_object() || !calls->contains("attempted") ||
        !(*calls)["attempted"].is_number())
        throw std::invalid_argument("not a sipstorm result: no \"calls\" with \"attempted\"");
    auto series = result.find("series");
    if (series != result.end() && !series->is_array())
        throw std::invalid_argument("malformed sipstorm result: \"series\" is not an array");
    auto hist = result.find("histograms");
    if (hist != result.end() && !hist->is_object())
        throw std::invalid_argument("malformed sipstorm result: \"histograms\" is not an object");
    auto gates = result.find("gates");
    if (gates != result.end() && !gates->is_array())
        throw std::invalid_argument("malformed sipstorm result: \"gates\" is not an array");
}

std::string render_report_html(const json& result, const std::string& source_name) {
    std::string scenario = str_or(result, "scenario", "");
    std::string title = "sipstorm report";
    if (!scenario.empty()) title += ": " + scenario;
    std::string data = json_for_script(result);
    std::string source = html_escape(source_name);
    std::string escaped_title = html_escape(title);
    return fill(report_assets::template_html(), {{"TITLE", escaped_title},
                                                 {"SOURCE", source},
                                                 {"UPLOT_CSS", report_assets::uplot_css()},
                                                 {"UPLOT_JS", report_assets::uplot_js()},
                                                 {"REPORT_JS", report_assets::report_js()},
                                                 {"RESULT_JSON", data}});
}

}  // namespace sipstorm::cli
