#include "report/junit.hpp"

#include <ctime>

#include "report/format.hpp"
#include "report/xml.hpp"

namespace sipstorm::report {
namespace {

using nlohmann::json;

const json* child(const json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::string text_of(const json* v) {
    if (!v) return {};
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number()) return format_number(v->get<double>());
    if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
    return v->dump();
}

double number_of(const json* v) {
    return v && v->is_number() ? v->get<double>() : 0.0;
}

std::string attr(const char* name, std::string_view value) {
    return std::string(" ") + name + "=\"" + xml_escape(value) + "\"";
}

// ISO 8601 in UTC, without a zone suffix as the JUnit schema wants; empty when unknown.
std::string timestamp(const json& result) {
    double ms = number_of(child(result, "started_unix_ms"));
    if (ms <= 0) return {};
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
}

struct Case {
    std::string classname, name, failure_message, failure_type, failure_body;
    bool failed = false;
};

// Without gates: did any call fail? The body lists the failure details (or reasons).
Case calls_case(const json& result) {
    Case c{"sipstorm.run", "calls", "", "calls", "", false};
    const json* calls = child(result, "calls");
    double failed = calls ? number_of(child(*calls, "failed")) : 0;
    double attempted = calls ? number_of(child(*calls, "attempted")) : 0;
    if (failed <= 0) return c;
    c.failed = true;
    c.failure_message = format_number(failed) + " of " + format_number(attempted) + " calls failed";
    const json* detail = calls ? child(*calls, "failed_by_detail") : nullptr;
    if (!detail || !detail->is_object() || detail->empty())
        detail = calls ? child(*calls, "failed_by_reason") : nullptr;
    if (detail && detail->is_object())
        for (const auto& [why, n] : detail->items())
            if (number_of(&n) > 0) c.failure_body += format_number(number_of(&n)) + " x " + why + "\n";
    return c;
}

}  // namespace

std::string junit_xml(const json& result, const std::vector<GateResult>& gates) {
    std::vector<Case> cases;
    for (const GateResult& g : gates)
        cases.push_back({"sipstorm.gates", g.text, g.explanation, "gate", g.explanation, !g.pass});
    if (gates.empty()) cases.push_back(calls_case(result));
    size_t failures = 0;
    for (const Case& c : cases) failures += c.failed;

    const std::string tests = std::to_string(cases.size()), failed = std::to_string(failures);
    const std::string time = format_number(number_of(child(result, "duration_s")));
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<testsuites" + attr("name", "sipstorm") + attr("tests", tests) + attr("failures", failed) +
         attr("errors", "0") + attr("time", time) + ">\n";
    x += "  <testsuite" + attr("name", "sipstorm") + attr("tests", tests) + attr("failures", failed) +
         attr("errors", "0") + attr("skipped", "0") + attr("time", time);
    if (std::string ts = timestamp(result); !ts.empty()) x += attr("timestamp", ts);
    x += ">\n    <properties>\n";
    const json* rate = child(result, "rate");
    const json* gen = child(result, "generator");
    const std::pair<const char*, const json*> props[] = {
        {"scenario", child(result, "scenario")},
        {"target", child(result, "target")},
        {"command_line", child(result, "command_line")},
        {"achieved_cps", rate ? child(*rate, "achieved") : nullptr},
        {"target_cps", rate ? child(*rate, "target") : nullptr},
        {"saturated", gen ? child(*gen, "saturated") : nullptr}};
    for (const auto& [name, v] : props)
        if (v) x += "      <property" + attr("name", name) + attr("value", text_of(v)) + "/>\n";
    x += "    </properties>\n";
    for (const Case& c : cases) {
        x += "    <testcase" + attr("classname", c.classname) + attr("name", c.name) + attr("time", "0");
        if (!c.failed) {
            x += "/>\n";
            continue;
        }
        x += ">\n      <failure" + attr("message", c.failure_message) + attr("type", c.failure_type) + ">" +
             xml_escape(c.failure_body) + "</failure>\n    </testcase>\n";
    }
    if (gen && child(*gen, "saturated") && text_of(child(*gen, "saturated")) == "true")
        x += "    <system-out>" +
             xml_escape("WARNING: the generator itself was saturated (" +
                        text_of(child(*gen, "saturation_reason")) +
                        "): the figures may show sipstorm's limits, not the target's.\n") +
             "</system-out>\n";
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

}  // namespace sipstorm::report
