// ";name=value" parameter lists, as they follow a URI (uri-parameter, no whitespace, %-escapes) or a
// header value (generic-param: LWS around ';' and '=', values token / host / quoted-string).
#pragma once
#include <cstddef>
#include <string_view>

#include "sip/lex.hpp"

namespace sipstorm::sip {

enum class ParamSyntax : uint8_t {
    kHeader,  // generic-param (RFC 3261 §25.1): SWS around ';' and '=', quoted-string and [IPv6] values
    kUri,     // uri-parameter: paramchar / escaped, no whitespace, no quoting
};

struct Param {
    std::string_view name;   // as written (kUri: may hold %-escapes)
    std::string_view value;  // quotes stripped when quoted; backslash escapes left in place
    bool has_value = false;  // "lr" vs "lr="... (an '=' always needs a value)
    bool quoted = false;
};

// Iterates a parameter list that starts at a ';' (or is empty). Stops at the first character that
// cannot start another parameter (end, ',', '?', '>' ...); pos() tells where, so a caller parsing a
// larger construct continues from there. A malformed parameter stops iteration with error() set.
class ParamIter {
  public:
    constexpr ParamIter(std::string_view s, ParamSyntax syntax, size_t pos = 0)
        : s_(s), pos_(pos), syntax_(syntax) {}

    bool next(Param& out);
    FieldError error() const { return error_; }
    size_t pos() const { return pos_; }
    bool at_end() const { return pos_ >= s_.size(); }

  private:
    std::string_view s_;
    size_t pos_;
    ParamSyntax syntax_;
    FieldError error_ = FieldError::kOk;
};

// Checks a whole parameter list; returns the end position (== s.size() when the list fills s) or
// npos on error, with err set.
size_t scan_params(std::string_view s, size_t pos, ParamSyntax syntax, FieldError& err);

// Case-insensitive lookup (kUri names compare after %-unescaping, so ";%6C%72" finds "lr").
// Returns false when absent or the list is malformed before the match.
bool find_param(std::string_view params, ParamSyntax syntax, std::string_view name, Param& out);

// Case-insensitive comparison of a possibly %-escaped name with a plain one.
bool iequals_unescaped(std::string_view escaped, std::string_view plain);

}  // namespace sipstorm::sip
