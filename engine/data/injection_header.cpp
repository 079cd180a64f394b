#include "data/injection_header.hpp"

#include <charconv>

namespace sipstorm::data {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool parse_number(std::string_view name, std::string_view text, uint64_t& out, std::string& why) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        why = std::string(name) + " needs a decimal number, got '" + std::string(text) + "'";
        return false;
    }
    return true;
}

bool parse_option(std::string_view opt, InjectionHeader& out, bool& offset_or_multiple, std::string& why) {
    const size_t eq = opt.find('=');
    const std::string_view name = trim(opt.substr(0, eq));
    if (eq == std::string_view::npos) {
        why = "option '" + std::string(name) + "' needs a value (NAME=number)";
        return false;
    }
    const std::string_view value = trim(opt.substr(eq + 1));
    if (name == "PRINTF") {
        if (!parse_number(name, value, out.printf_lines, why)) return false;
        if (out.printf_lines == 0 || out.printf_lines > kMaxPrintfLines) {
            why = "PRINTF=" + std::string(value) + ": the number of virtual lines must be 1.." +
                  std::to_string(kMaxPrintfLines);
            return false;
        }
        out.printf = true;
        return true;
    }
    if (name == "PRINTFOFFSET" || name == "PRINTFMULTIPLE") {
        offset_or_multiple = true;
        return parse_number(name, value, name == "PRINTFOFFSET" ? out.printf_offset : out.printf_multiple,
                            why);
    }
    why = "unknown option '" + std::string(name) + "' (known: PRINTF, PRINTFOFFSET, PRINTFMULTIPLE)";
    return false;
}

}  // namespace

bool parse_injection_header(std::string_view line, InjectionHeader& out, std::string& why) {
    out = InjectionHeader{};
    line = trim(line);
    const size_t comma = line.find(',');
    const std::string_view mode = trim(line.substr(0, comma));
    if (mode == "SEQUENTIAL")
        out.mode = InjectionMode::kSequential;
    else if (mode == "RANDOM")
        out.mode = InjectionMode::kRandom;
    else if (mode == "USER" || mode == "USERS")
        out.mode = InjectionMode::kUser;
    else {
        why = "unknown mode '" + std::string(mode) + "': the first line must be SEQUENTIAL, RANDOM or USER";
        return false;
    }
    bool offset_or_multiple = false;
    for (size_t pos = comma; pos != std::string_view::npos;) {
        const size_t next = line.find(',', pos + 1);
        const std::string_view opt =
            line.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
        if (!parse_option(opt, out, offset_or_multiple, why)) return false;
        pos = next;
    }
    if (offset_or_multiple && !out.printf) {
        why = "PRINTFOFFSET/PRINTFMULTIPLE need PRINTF=N";
        return false;
    }
    return true;
}

}  // namespace sipstorm::data
