#include "data/injection_printf.hpp"

#include <cstdio>

namespace sipstorm::data {

bool expand_printf_line(std::string_view tmpl, uint64_t value, std::vector<char>& out, std::string& why) {
    for (size_t i = 0; i < tmpl.size(); ++i) {
        const char c = tmpl[i];
        if (c != '%') {
            out.push_back(c);
            continue;
        }
        if (i + 1 < tmpl.size() && tmpl[i + 1] == '%') {
            out.push_back('%');
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < tmpl.size() && (tmpl[j] == '-' || tmpl[j] == '.' || (tmpl[j] >= '0' && tmpl[j] <= '9')))
            ++j;
        if (j == tmpl.size() || tmpl[j] != 'd' || j - i > 8) {
            why = "invalid PRINTF conversion '" + std::string(tmpl.substr(i, j - i + 1)) +
                  "' (only %d with flags '-' '0', width, precision, and %% are allowed)";
            return false;
        }
        // "%<flags>d" -> "%<flags>llu": the spec holds only '-', '.', digits (checked above).
        char spec[16];
        const std::string_view flags = tmpl.substr(i + 1, j - i - 1);
        std::snprintf(spec, sizeof spec, "%%%.*sllu", static_cast<int>(flags.size()), flags.data());
        char num[72];
        const int n = std::snprintf(num, sizeof num, spec, static_cast<unsigned long long>(value));
        if (n < 0 || n >= 65) {
            why = "PRINTF conversion '" + std::string(tmpl.substr(i, j - i + 1)) +
                  "' is wider than 64 characters";
            return false;
        }
        out.insert(out.end(), num, num + n);
        i = j;
    }
    return true;
}

}  // namespace sipstorm::data
