// Several injection files at once (`--inf a.csv --inf b.csv`), each with its own field namespace.
// Files are numbered in the order added; a file is found by its index, by the path as given, by its
// file name ("users.csv") or by its stem ("users"). resolve() turns a slot reference into indexes once,
// at scenario compile time; the hot path then reads cursor rows by index.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "data/injection_file.hpp"

namespace sipstorm::data {

struct FieldRef {
    uint32_t file = 0;
    uint32_t field = 0;
};

class InjectionSet {
  public:
    // Loads path and appends it (file index = size() before the call).
    bool add(const std::string& path, std::string& error);
    // Appends a parsed file (e.g. from parse_injection).
    void add(InjectionFile file) { files_.push_back(std::move(file)); }

    size_t size() const { return files_.size(); }
    const InjectionFile& file(size_t i) const { return files_[i]; }
    InjectionFile& file(size_t i) { return files_[i]; }  // to set_names()

    // Index of the file for key: "0", "1", ... (by position), the path as given, its file name or its
    // stem; -1 when none or when two files match (the error then says which).
    int find(std::string_view key, std::string& error) const;

    // file_key empty means file 0 (SIPp's default); field_key is "fieldN" or a set_names() name.
    bool resolve(std::string_view file_key, std::string_view field_key, FieldRef& out,
                 std::string& error) const;

  private:
    std::deque<InjectionFile> files_;  // deque: files never move, so cursors and views stay valid
};

}  // namespace sipstorm::data
