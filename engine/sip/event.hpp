// Event (RFC 6665 §8.2.1, RFC 3265) and Subscription-State.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/lex.hpp"
#include "sip/params.hpp"

namespace sipstorm::sip {

struct Event {
    std::string_view package;  // event-type, templates included: "presence.winfo"
    std::string_view id;
    bool has_id = false;
    std::string_view params;  // raw, from the first ';', or empty
};

enum class SubState : uint8_t { kActive, kPending, kTerminated, kOther };

struct SubscriptionState {
    SubState state = SubState::kOther;
    std::string_view state_text;
    std::string_view reason;  // e.g. "timeout", "rejected"; empty when absent
    uint32_t expires = 0;
    bool has_expires = false;
    uint32_t retry_after = 0;
    bool has_retry_after = false;
    std::string_view params;
};

FieldError parse_event(std::string_view value, Event& out);
FieldError parse_subscription_state(std::string_view value, SubscriptionState& out);

}  // namespace sipstorm::sip
