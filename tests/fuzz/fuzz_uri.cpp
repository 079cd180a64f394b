// libFuzzer target: parse_uri on arbitrary bytes must never crash, and every view it returns must
// lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/escape.hpp"
#include "sip/uri.hpp"

namespace {

void check_inside(std::string_view in, std::string_view part) {
    if (part.empty()) return;
    if (part.data() < in.data() || part.data() + part.size() > in.data() + in.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    Uri u;
    if (parse_uri(in, u) != FieldError::kOk) return 0;
    for (std::string_view p : {u.scheme_text, u.opaque, u.user, u.password, u.host, u.params, u.headers,
                               u.transport, u.maddr, u.method, u.ttl, u.user_param})
        check_inside(in, p);
    if (u.scheme == Scheme::kSip || u.scheme == Scheme::kSips) {
        if (u.host.empty()) std::abort();
        char buf[256];
        size_t n = 0;
        if (u.user.size() <= sizeof buf && unescape(u.user, buf, n) != FieldError::kOk) std::abort();
        (void)u.host_bare();
    }
    Param p;
    ParamIter it(u.params, ParamSyntax::kUri);
    while (it.next(p)) check_inside(in, p.value);
    if (it.error() != FieldError::kOk) std::abort();  // parse_uri already validated the list
    return 0;
}
