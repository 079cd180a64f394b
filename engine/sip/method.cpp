#include "sip/method.hpp"

#include <array>

namespace sipstorm::sip {

namespace {

constexpr std::array<std::string_view, static_cast<size_t>(Method::kCount)> kNames = {
    "",       "INVITE", "ACK",   "BYE",       "CANCEL", "REGISTER", "OPTIONS", "PRACK",
    "UPDATE", "INFO",   "REFER", "SUBSCRIBE", "NOTIFY", "MESSAGE",  "PUBLISH"};

constexpr Method pick(std::string_view text, Method candidate) {
    return text == kNames[static_cast<size_t>(candidate)] ? candidate : Method::kUnknown;
}

}  // namespace

Method method_from_text(std::string_view t) {
    // Length then first letter narrows to one candidate, so each call is a single compare.
    if (t.empty()) return Method::kUnknown;
    switch (t.size()) {
        case 3:
            return t[0] == 'A' ? pick(t, Method::kAck) : pick(t, Method::kBye);
        case 4:
            return pick(t, Method::kInfo);
        case 5:
            return t[0] == 'P' ? pick(t, Method::kPrack) : pick(t, Method::kRefer);
        case 6:
            switch (t[0]) {
                case 'I':
                    return pick(t, Method::kInvite);
                case 'C':
                    return pick(t, Method::kCancel);
                case 'U':
                    return pick(t, Method::kUpdate);
                case 'N':
                    return pick(t, Method::kNotify);
                default:
                    return Method::kUnknown;
            }
        case 7:
            switch (t[0]) {
                case 'O':
                    return pick(t, Method::kOptions);
                case 'M':
                    return pick(t, Method::kMessage);
                case 'P':
                    return pick(t, Method::kPublish);
                default:
                    return Method::kUnknown;
            }
        case 8:
            return pick(t, Method::kRegister);
        case 9:
            return pick(t, Method::kSubscribe);
        default:
            return Method::kUnknown;
    }
}

std::string_view method_text(Method m) {
    auto i = static_cast<size_t>(m);
    return i < kNames.size() ? kNames[i] : std::string_view{};
}

}  // namespace sipstorm::sip
