// Durations in scenario files: a number is milliseconds; a string is a number with an optional unit
// (ms, s, m, h; none = ms) after ${param} substitution, e.g. "1500", "1.5s", "${hold}s".
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace sipstorm::script {

// Replaces ${name} with params[name]; false with `error` naming the first unknown parameter.
bool substitute_params(std::string_view text, const std::map<std::string, std::string>& params,
                       std::string& out, std::string& error);

// Parses a duration into milliseconds (>= 0); false with `error` describing what was expected.
bool parse_duration(std::string_view text, const std::map<std::string, std::string>& params, double& ms,
                    std::string& error);

}  // namespace sipstorm::script
