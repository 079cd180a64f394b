// What a SIP element should answer to a message it cannot accept: the status code, its reason phrase
// and a static, human-readable reason why. Shared by the parser, validate() and `sipstorm lint`.
#pragma once
#include <cstdint>
#include <string_view>

namespace sipstorm::sip {

struct Verdict {
    uint16_t code = 0;               // 0 = acceptable; otherwise the response a UAS would send
    std::string_view reason_phrase;  // e.g. "Bad Request"
    std::string_view detail;         // static text naming the defect, e.g. "negative Content-Length"

    constexpr bool ok() const { return code == 0; }
};

// The verdicts we hand out; detail strings are static so a Verdict never owns memory.
constexpr Verdict bad_request(std::string_view detail) {
    return {400, "Bad Request", detail};
}
constexpr Verdict version_not_supported(std::string_view detail) {
    return {505, "Version Not Supported", detail};
}
constexpr Verdict not_implemented(std::string_view detail) {
    return {501, "Not Implemented", detail};
}
constexpr Verdict unsupported_uri_scheme(std::string_view detail) {
    return {416, "Unsupported URI Scheme", detail};
}
constexpr Verdict bad_extension(std::string_view detail) {
    return {420, "Bad Extension", detail};
}
constexpr Verdict unsupported_media_type(std::string_view detail) {
    return {415, "Unsupported Media Type", detail};
}
constexpr Verdict not_acceptable(std::string_view detail) {
    return {406, "Not Acceptable", detail};
}

}  // namespace sipstorm::sip
