// libFuzzer target: name-addr parsing with and without URI parsing, and list iteration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/escape.hpp"
#include "sip/name_addr.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    NameAddr light;
    NameAddr full;
    Uri u;
    const FieldError e1 = parse_name_addr(in, light);
    const FieldError e2 = parse_name_addr(in, full, &u);
    // Asking for the URI can only add errors, never remove them.
    if (e1 != FieldError::kOk && e1 != FieldError::kOverflow && e2 == FieldError::kOk) std::abort();
    if (e2 == FieldError::kOk && light.tag != full.tag) std::abort();
    if (e1 == FieldError::kOk && light.display_quoted) {
        char buf[512];
        size_t n = 0;
        if (light.display_name.size() <= sizeof buf && unquote(light.display_name, buf, n) != FieldError::kOk)
            std::abort();
    }
    NameAddrIter it(in);
    NameAddr na;
    while (it.next(na, &u)) {
    }
    return 0;
}
