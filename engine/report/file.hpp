// Writing a whole output file (CSV, JUnit) with errors as values.
#pragma once
#include <string>
#include <string_view>

namespace sipstorm::report {

// Writes `text` to `path` (replacing it). False with "cannot write PATH: reason" on failure.
bool write_file(const std::string& path, std::string_view text, std::string& error);

}  // namespace sipstorm::report
