#include "report/format.hpp"

#include <cmath>
#include <cstdio>

namespace sipstorm::report {

std::string format_number(double v) {
    if (v == 0) return "0";  // also -0
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    double a = std::fabs(v);
    if (a < 1e15 && v == std::trunc(v)) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
        return buf;
    }
    // Fewer decimals as the value grows: about five significant digits, never an exponent.
    int decimals = a >= 1000 ? 1 : a >= 100 ? 2 : a >= 1 ? 3 : 4;
    if (a < 0.001) decimals = 6;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;  // a tiny negative rounded away
}

}  // namespace sipstorm::report
