#include "report/prometheus_writer.hpp"

#include <cmath>
#include <cstdio>

namespace sipstorm::report::prom {

using stats::Histogram;

std::string escape(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.15g", v);
    return buf;
}

void Writer::family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
}

void Writer::sample(std::string_view name, const std::string& labels, uint64_t v) {
    sample(name, labels, std::to_string(v));
}

void Writer::sample(std::string_view name, const std::string& labels, double v) {
    sample(name, labels, number(v));
}

void Writer::sample(std::string_view name, const std::string& labels, const std::string& v) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += v;
    out_ += '\n';
}

void Writer::histogram(const char* name, const std::string& labels, const Histogram& h,
                       std::span<const double> bounds, double per_unit) {
    const std::string base = labels.empty() ? "" : labels + ",";
    const std::string bucket = std::string(name) + "_bucket";
    uint64_t cumulative = 0;
    unsigned b = 0;
    for (double bound : bounds) {
        const double bound_raw = std::round(bound * per_unit);  // 4.3 * 1000 is 4299.99...
        for (; b < Histogram::kBuckets; ++b) {
            const double upper =
                static_cast<double>(Histogram::bucket_low(b) + Histogram::bucket_width(b) - 1);
            if (upper > bound_raw) break;
            cumulative += h.count_at(b);
        }
        sample(bucket, base + "le=\"" + number(bound) + "\"", cumulative);
    }
    sample(bucket, base + "le=\"+Inf\"", h.count());
    sample(std::string(name) + "_sum", labels, static_cast<double>(h.sum()) / per_unit);
    sample(std::string(name) + "_count", labels, h.count());
}

}  // namespace sipstorm::report::prom
