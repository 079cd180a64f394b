// A SIPp scenario file read into a small element tree (expat), every element and text with the line
// it starts on, so the compiler's errors can name file:line.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "script/compile_error.hpp"

namespace sipstorm::sippxml {

struct Element {
    std::string name;
    int line = 0;
    std::vector<std::pair<std::string, std::string>> attrs;  // in document order
    std::vector<Element> children;
    std::string text;   // character data directly inside (CDATA included), concatenated
    int text_line = 0;  // line of the first character of `text`

    const std::string* attr(std::string_view key) const {
        for (const auto& [k, v] : attrs)
            if (k == key) return &v;
        return nullptr;
    }
};

// Parses `text` (the contents of `path`) into `root` (the document element).
bool parse_xml(std::string_view text, const std::string& path, Element& root, script::CompileError& err);
bool read_xml_file(const std::string& path, Element& root, script::CompileError& err);

}  // namespace sipstorm::sippxml
