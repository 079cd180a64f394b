// SIPp message text ([keyword]s, one header per line, any indentation) into sipstorm template text
// (${slot}s; see sip/template_compile.hpp). What maps to what is in README ("Coming from SIPp").
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sipstorm::sippxml {

struct KeywordContext {
    // Whether a name is a call variable of the scenario ([$name]).
    std::function<bool(std::string_view)> is_variable;
    // Whether [name] is a keyword given on the command line (SIPp's -key, sipstorm's --set).
    std::function<bool(std::string_view)> is_param;
    std::string pid;  // [pid]
    // What [last_X:] becomes: "last_", or "invite_" for a response to an INVITE, whose retransmissions
    // (Timer G, the 2xx's) must keep the INVITE's headers when other requests came in since.
    std::string last_prefix = "last_";
    // [authentication username=.. password=..]: the values found (already translated), if any.
    bool auth_seen = false;
    int auth_line = -1;  // 0-based line of the text that has it
    std::string auth_user, auth_password;
    // [fill variable=NAME text=T]: registers one and returns its index (ua::Program::fills).
    std::function<int(const std::string& var, const std::string& text)> fill;
};

// A [fill] becomes ${fill#N}: '#' is in no variable name, and the compiler resolves it to Slot::kFill.
inline constexpr std::string_view kFillSlotPrefix = "fill#";

struct KeywordError {
    int line = 0;  // 0-based line within the text
    std::string message;
};

// Translates one message. Each line loses its leading whitespace (as SIPp does); a request's CSeq
// number becomes ${cseq} (the engine numbers requests; see README).
bool translate_message(std::string_view text, KeywordContext& ctx, std::string& out, KeywordError& err);

// Translates a single value (an attribute such as authentication's password=[field1]).
bool translate_value(std::string_view text, KeywordContext& ctx, std::string& out, std::string& err);

}  // namespace sipstorm::sippxml
