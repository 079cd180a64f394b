// libFuzzer target: Event and Subscription-State must never crash, and their views stay in the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/event.hpp"

namespace {
bool inside(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sipstorm::sip;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    Event ev;
    if (parse_event(in, ev) == FieldError::kOk && (!inside(ev.package, in) || ev.package.empty()))
        std::abort();
    SubscriptionState ss;
    if (parse_subscription_state(in, ss) == FieldError::kOk && !inside(ss.state_text, in)) std::abort();
    return 0;
}
