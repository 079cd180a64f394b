// Turns SIPp-style message text into a Template (literal runs + slots) once, at scenario load time.
//
// Text rules:
//  - leading/trailing blank lines and the indentation common to all non-blank lines are removed, so a
//    message can be written indented inside a Lua [[long string]];
//  - every line ends in CRLF (LF or CRLF in the input); the first blank line ends the headers and any
//    further blank lines right after it are dropped, so there is exactly one; the body follows as
//    written, each of its lines ending in CRLF;
//  - ${name} is a slot (see Slot in template.hpp), ${last_<Header-Name>} the header line(s) of that name
//    from the last received message, ${len} the byte length of the rendered body (headers only), or a
//    scenario parameter, substituted as literal text now. Anything else is an error;
//  - a header line consisting only of ${routes}, ${last_<Header>}, ${invite_<Header>} or ${auth} produces
//    nothing when the value is empty (Segment::own_line), so optional headers can be copied without
//    leaving a blank line. ${auth} must stand alone on its line.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "sip/template.hpp"

namespace sipstorm::sip {

using TemplateParams = std::map<std::string, std::string>;

// Names a scenario adds beyond the built-in slots and its parameters: call variables and --inf
// fields. Returns 1 and sets slot/arg when `name` is one, 0 when unknown, -1 with `error` when it
// looks like one but is wrong ("${field7}: users.csv has 2 fields").
using SlotResolver = std::function<int(std::string_view name, Slot& slot, uint16_t& arg, std::string& error)>;

struct TemplateError {
    int line = 0;  // 1-based line within the template text as given
    std::string message;
};

// Returns false and fills `err` (out is then unspecified).
bool compile_template(std::string_view text, const TemplateParams& params, Template& out, TemplateError& err,
                      const SlotResolver& resolver = {});

// True if `name` is a slot name the compiler knows (call_id, last_Via, ...), so parameters can't shadow it.
bool is_builtin_slot_name(std::string_view name);

}  // namespace sipstorm::sip
