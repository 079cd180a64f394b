// libFuzzer target: Via parsing (single, first-of-many, iteration) must never crash and must agree:
// a value that iterates cleanly has a parsable first via-parm with the same result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/via.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    Via first;
    const FieldError first_err = parse_first_via(in, first);
    ViaIter it(in);
    Via v;
    int n = 0;
    while (it.next(v)) {
        if (n++ == 0 && (first_err != FieldError::kOk || v.branch != first.branch || v.host != first.host))
            std::abort();
        Param p;
        (void)v.find_param("branch", p);
    }
    if (n == 0 && first_err == FieldError::kOk) std::abort();
    Via single;
    if (parse_via(in, single) == FieldError::kOk && (first_err != FieldError::kOk || n != 1)) std::abort();
    return 0;
}
