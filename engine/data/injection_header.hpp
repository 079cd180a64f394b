// The first line of an injection file: "SEQUENTIAL", "RANDOM" or "USER", with optional PRINTF options.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "data/injection_file.hpp"

namespace sipstorm::data {

struct InjectionHeader {
    InjectionMode mode = InjectionMode::kSequential;
    bool printf = false;
    uint64_t printf_lines = 0;     // PRINTF=N
    uint64_t printf_offset = 0;    // PRINTFOFFSET=O
    uint64_t printf_multiple = 1;  // PRINTFMULTIPLE=M
};

inline constexpr uint64_t kMaxPrintfLines = 10'000'000;

// line without its line end. On failure why says what is wrong (no file/line prefix).
bool parse_injection_header(std::string_view line, InjectionHeader& out, std::string& why);

}  // namespace sipstorm::data
