#include "script/duration.hpp"

#include <cmath>
#include <cstdlib>

namespace sipstorm::script {

bool substitute_params(std::string_view text, const std::map<std::string, std::string>& params,
                       std::string& out, std::string& error) {
    out.clear();
    size_t pos = 0;
    while (pos < text.size()) {
        size_t open = text.find("${", pos);
        if (open == std::string_view::npos) break;
        size_t close = text.find('}', open + 2);
        if (close == std::string_view::npos) {
            error = "unterminated '${' in '" + std::string(text) + "'";
            return false;
        }
        out.append(text.substr(pos, open - pos));
        std::string name(text.substr(open + 2, close - open - 2));
        auto it = params.find(name);
        if (it == params.end()) {
            error = "unknown parameter '${" + name + "}' in '" + std::string(text) + "'";
            return false;
        }
        out += it->second;
        pos = close + 1;
    }
    out.append(text.substr(pos));
    return true;
}

bool parse_duration(std::string_view text, const std::map<std::string, std::string>& params, double& ms,
                    std::string& error) {
    std::string s;
    if (!substitute_params(text, params, s, error)) return false;
    const char* begin = s.c_str();
    char* end = nullptr;
    double v = std::strtod(begin, &end);
    std::string_view unit(end);
    double scale = 0;
    if (unit.empty() || unit == "ms") {
        scale = 1;
    } else if (unit == "s") {
        scale = 1000;
    } else if (unit == "m") {
        scale = 60'000;
    } else if (unit == "h") {
        scale = 3'600'000;
    }
    if (end == begin || scale == 0 || !std::isfinite(v) || v < 0) {
        error = "bad duration '" + s + "' (expected milliseconds, or a number with ms, s, m or h)";
        return false;
    }
    ms = v * scale;
    return true;
}

}  // namespace sipstorm::script
