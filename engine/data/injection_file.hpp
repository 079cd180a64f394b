// SIPp-format injection files (`-inf users.csv`): a mode line, then one row per line with fields
// separated by ';'. The whole file lives in one owned buffer; rows and fields are views into it, so
// picking a row for a call allocates nothing.
//
// Format (SIPp "Injecting values from an external CSV during calls"):
//   line 1     SEQUENTIAL | RANDOM | USER (SIPp's "USERS" spelling too), optionally followed by
//              ",PRINTF=N[,PRINTFOFFSET=O][,PRINTFMULTIPLE=M]"
//   data       field0;field1;...   one trailing ';' is dropped ("a;b;" has 2 fields); fields are not
//              trimmed; every row must have as many fields as the first data row
//   comments   lines starting with '#'; blank lines are skipped (SIPp stops reading at the first
//              blank line; we do not). CRLF line ends and a UTF-8 BOM are accepted.
//   PRINTF     the data lines are templates: virtual line v (0 <= v < N) is template v mod T with
//              each %d (flags '-', '0', width, precision allowed; %% is a '%') replaced by
//              O + v * M. Expanded once at load time (at most 10 M virtual lines).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sipstorm::data {

enum class InjectionMode : uint8_t { kSequential, kRandom, kUser };

std::string_view to_string(InjectionMode m);

struct Row {
    std::span<const std::string_view> fields;
    uint32_t index = 0;  // row number in the file, from 0 (what a call stores to find its row again)
    uint32_t line = 0;   // 1-based line in the file it came from (for PRINTF rows: its template line)

    size_t size() const { return fields.size(); }
    std::string_view operator[](size_t i) const { return i < fields.size() ? fields[i] : std::string_view{}; }
};

class InjectionFile {
  public:
    InjectionFile() = default;
    InjectionFile(const InjectionFile&) = delete;
    InjectionFile& operator=(const InjectionFile&) = delete;
    InjectionFile(InjectionFile&&) = default;  // views stay valid: the buffers move, not their bytes
    InjectionFile& operator=(InjectionFile&&) = default;

    const std::string& path() const { return path_; }
    InjectionMode mode() const { return mode_; }
    size_t rows() const { return rows_.size(); }
    const Row& row(size_t i) const { return rows_[i]; }
    size_t width() const { return width_; }  // fields per row

    // Names for the first names.size() fields (a `--inf-names user,password` option): non-empty,
    // unique, [A-Za-z_][A-Za-z0-9_]*, not of the form fieldN, at most width() of them.
    bool set_names(std::vector<std::string> names, std::string& error);
    const std::vector<std::string>& names() const { return names_; }
    // "field3" or a name given to set_names; -1 when unknown or beyond width().
    int field_index(std::string_view name) const;

  private:
    friend bool parse_injection(std::string path, std::vector<char> text, InjectionFile& out,
                                std::string& error);

    std::string path_;
    InjectionMode mode_ = InjectionMode::kSequential;
    std::vector<char> text_;
    std::vector<std::string_view> fields_;
    std::vector<Row> rows_;
    size_t width_ = 0;
    std::vector<std::string> names_;
};

// Reads and parses path. Errors name the file and, where there is one, the line:
// "users.csv:7: 3 fields, expected 2 (as on line 2, the first data row)".
bool load_injection(const std::string& path, InjectionFile& out, std::string& error);

// Parses file contents already in memory; path is used for messages only.
bool parse_injection(std::string path, std::vector<char> text, InjectionFile& out, std::string& error);

}  // namespace sipstorm::data
