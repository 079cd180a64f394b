// libFuzzer target: challenge and credentials parsing on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/digest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    DigestChallenge c;
    DigestCredentials d;
    const FieldError ec = parse_challenge(in, c);
    const FieldError ed = parse_credentials(in, d);
    // Both share the scheme split and the auth-param grammar; only nc validation differs.
    if (ec == FieldError::kOk && ed != FieldError::kOk && ed != FieldError::kBadParam) std::abort();
    if (ed == FieldError::kOk && d.has_nc && d.nc.size() != 8) std::abort();
    return 0;
}
