#include "data/injection_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "data/injection_header.hpp"
#include "data/injection_printf.hpp"

namespace sipstorm::data {
namespace {

struct Line {
    size_t begin = 0, size = 0;  // in the text buffer
    uint32_t number = 0;         // 1-based in the file
};

std::string at(const std::string& path, uint32_t line) {
    return path + ":" + std::to_string(line) + ": ";
}

// Splits text into lines (without "\r\n" / "\n"), numbered from 1.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    uint32_t number = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        size_t e = end;
        if (e > pos && text[e - 1] == '\r') --e;
        fn(Line{pos, e - pos, ++number});
        pos = end + 1;
    }
}

// PRINTF: replaces the template lines by N expanded virtual lines in a new buffer.
bool expand(const std::string& path, const InjectionHeader& h, std::vector<char>& text,
            std::vector<Line>& lines, std::string& error) {
    std::vector<char> out;
    std::string why;
    for (const Line& t : lines) {  // check every template once, even those N never reaches
        if (!expand_printf_line({text.data() + t.begin, t.size}, 0, out, why)) {
            error = at(path, t.number) + why;
            return false;
        }
    }
    out.clear();
    std::vector<Line> expanded;
    expanded.reserve(h.printf_lines);
    for (uint64_t v = 0; v < h.printf_lines; ++v) {
        const Line& t = lines[v % lines.size()];
        const size_t begin = out.size();
        expand_printf_line({text.data() + t.begin, t.size}, h.printf_offset + v * h.printf_multiple, out,
                           why);
        expanded.push_back(Line{begin, out.size() - begin, t.number});
    }
    text = std::move(out);
    lines = std::move(expanded);
    return true;
}

bool valid_name(std::string_view n) {
    if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
    for (char c : n)
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    return true;
}

// "field<digits>" -> the number; -1 otherwise.
long field_number(std::string_view n) {
    constexpr std::string_view kPrefix = "field";
    if (n.size() <= kPrefix.size() || n.size() > kPrefix.size() + 9 || n.substr(0, kPrefix.size()) != kPrefix)
        return -1;
    long v = 0;
    for (char c : n.substr(kPrefix.size())) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

}  // namespace

std::string_view to_string(InjectionMode m) {
    switch (m) {
        case InjectionMode::kSequential:
            return "SEQUENTIAL";
        case InjectionMode::kRandom:
            return "RANDOM";
        case InjectionMode::kUser:
            return "USER";
    }
    return "?";
}

bool parse_injection(std::string path, std::vector<char> text, InjectionFile& out, std::string& error) {
    out = InjectionFile{};
    size_t skip = 0;
    if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) skip = 3;  // UTF-8 BOM

    bool have_header = false;
    InjectionHeader header;
    std::vector<Line> lines;
    std::string why;
    bool ok = true;
    for_each_line({text.data() + skip, text.size() - skip}, [&](Line l) {
        if (!ok) return;
        l.begin += skip;
        const std::string_view s(text.data() + l.begin, l.size);
        if (!have_header) {
            have_header = true;
            if (!parse_injection_header(s, header, why)) {
                error = at(path, l.number) + why;
                ok = false;
            }
            return;
        }
        if (s.empty() || s[0] == '#' || s.find_first_not_of(" \t") == std::string_view::npos) return;
        lines.push_back(l);
    });
    if (!ok) return false;
    if (!have_header) {
        error = at(path, 1) + "empty file: the first line must be SEQUENTIAL, RANDOM or USER";
        return false;
    }
    if (lines.empty()) {
        error = at(path, 1) + "no data lines after the " + std::string(to_string(header.mode)) + " line";
        return false;
    }
    if (lines.size() > UINT32_MAX) {
        error = path + ": more than 4294967295 rows";
        return false;
    }
    if (header.printf && !expand(path, header, text, lines, error)) return false;

    // Split rows into fields; every row must be as wide as the first.
    std::vector<uint32_t> starts;
    starts.reserve(lines.size());
    out.fields_.reserve(lines.size() * 2);
    for (const Line& l : lines) {
        std::string_view s(text.data() + l.begin, l.size);
        if (!s.empty() && s.back() == ';') s.remove_suffix(1);  // one trailing ';' allowed
        const size_t first = out.fields_.size();
        for (size_t pos = 0;;) {
            const size_t semi = s.find(';', pos);
            out.fields_.push_back(s.substr(pos, semi == std::string_view::npos ? semi : semi - pos));
            if (semi == std::string_view::npos) break;
            pos = semi + 1;
        }
        const size_t width = out.fields_.size() - first;
        if (starts.empty()) {
            out.width_ = width;
        } else if (width != out.width_) {
            error = at(path, l.number) + std::to_string(width) + (width == 1 ? " field" : " fields") +
                    ", expected " + std::to_string(out.width_) + " (as on line " +
                    std::to_string(lines[0].number) + ", the first data row)";
            out = InjectionFile{};
            return false;
        }
        starts.push_back(static_cast<uint32_t>(first));
    }
    out.rows_.reserve(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::span<const std::string_view> f(out.fields_.data() + starts[i], out.width_);
        out.rows_.push_back(Row{f, static_cast<uint32_t>(i), lines[i].number});
    }
    out.path_ = std::move(path);
    out.mode_ = header.mode;
    out.text_ = std::move(text);  // the views point into this buffer; moving a vector keeps its bytes
    return true;
}

bool load_injection(const std::string& path, InjectionFile& out, std::string& error) {
    out = InjectionFile{};
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        error = path + ": cannot open: " + std::strerror(errno);
        return false;
    }
    std::vector<char> text;
    char chunk[1 << 16];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) text.insert(text.end(), chunk, chunk + n);
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) {
        error = path + ": cannot read: " + std::strerror(err);
        return false;
    }
    return parse_injection(path, std::move(text), out, error);
}

bool InjectionFile::set_names(std::vector<std::string> names, std::string& error) {
    if (names.size() > width_) {
        error = path_ + ": " + std::to_string(names.size()) + " field names for " + std::to_string(width_) +
                (width_ == 1 ? " field" : " fields");
        return false;
    }
    std::unordered_set<std::string_view> seen;
    for (const std::string& n : names) {
        if (!valid_name(n) || field_number(n) >= 0) {
            error = path_ + ": invalid field name '" + n + "' (want [A-Za-z_][A-Za-z0-9_]*, not fieldN)";
            return false;
        }
        if (!seen.insert(n).second) {
            error = path_ + ": field name '" + n + "' given twice";
            return false;
        }
    }
    names_ = std::move(names);
    return true;
}

int InjectionFile::field_index(std::string_view name) const {
    const long n = field_number(name);
    if (n >= 0) return n < static_cast<long>(width_) ? static_cast<int>(n) : -1;
    for (size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return static_cast<int>(i);
    return -1;
}

}  // namespace sipstorm::data
