// Escaping text for XML 1.0 content and attribute values.
#pragma once
#include <string>
#include <string_view>

namespace sipstorm::report {

// & < > " ' become entities; characters XML 1.0 forbids (control characters other than tab, LF, CR)
// and bytes that are not valid UTF-8 become U+FFFD, so that the document always parses: a CI
// server that rejects the report would hide the verdict.
std::string xml_escape(std::string_view text);

}  // namespace sipstorm::report
