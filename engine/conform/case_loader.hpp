// Reads case files: Lua (run in script::Sandbox, `require` limited to the conform library folder)
// returning one case table or a list of them. The table format is described in README.md
// ("Conformance testing"); errors name the file and the case.
#pragma once
#include <string>
#include <vector>

#include "conform/case.hpp"

namespace sipstorm::conform {

// LF line ends become CRLF (a CR already there is kept); used for every non-raw template.
std::string crlf(std::string_view text);

// Loads every case of one file. lib_dir holds the helper modules (conform.lua). False + error on a
// file that cannot be run or a table that is not a case.
bool load_case_file(const std::string& path, const std::string& lib_dir, const std::string& suite,
                    std::vector<Case>& out, std::string& error);

// Every *.lua file of a directory, in name order.
bool load_case_dir(const std::string& dir, const std::string& lib_dir, const std::string& suite,
                   std::vector<Case>& out, std::string& error);

}  // namespace sipstorm::conform
