// libFuzzer target: the single-number headers (CSeq, Max-Forwards, Content-Length, Expires, RSeq, RAck,
// Call-ID) must never crash, and a value they accept must be within the header's limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/scalars.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    CSeq cseq;
    if (parse_cseq(in, cseq) == FieldError::kOk && (cseq.number > kMaxCSeq || cseq.method_text.empty()))
        std::abort();
    uint8_t mf = 0;
    (void)parse_max_forwards(in, mf);
    uint32_t n = 0;
    if (parse_content_length(in, n) == FieldError::kOk && n > kMaxContentLength) std::abort();
    (void)parse_expires(in, n);
    if (parse_rseq(in, n) == FieldError::kOk && n == 0) std::abort();
    RAck rack;
    (void)parse_rack(in, rack);
    (void)validate_call_id(in);
    return 0;
}
