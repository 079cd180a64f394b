#include "conform/slots.hpp"

namespace sipstorm::conform {

std::string fill_slots(std::string_view tpl, const SlotLookup& lookup) {
    static constexpr std::string_view kLenMark = "\x01LEN\x01";
    std::string out;
    out.reserve(tpl.size() + 64);
    bool has_len = false;
    for (size_t i = 0; i < tpl.size();) {
        if (tpl[i] == '$' && i + 1 < tpl.size() && tpl[i + 1] == '{') {
            size_t end = tpl.find('}', i + 2);
            if (end != std::string_view::npos) {
                std::string_view inner = tpl.substr(i + 2, end - i - 2);
                size_t colon = inner.find(':');
                std::string_view name = inner.substr(0, colon);
                std::string_view arg =
                    colon == std::string_view::npos ? std::string_view() : inner.substr(colon + 1);
                if (name == "len" && arg.empty()) {
                    out += kLenMark;
                    has_len = true;
                    i = end + 1;
                    continue;
                }
                if (auto v = lookup(name, arg)) {
                    out += *v;
                    i = end + 1;
                    continue;
                }
            }
        }
        out += tpl[i++];
    }
    if (has_len) {
        size_t body = out.find("\r\n\r\n");
        size_t len = body == std::string::npos ? 0 : out.size() - body - 4;
        // Each mark shortens the message by its own size minus the digits; the body has none.
        std::string digits = std::to_string(len);
        for (size_t p; (p = out.find(kLenMark)) != std::string::npos;)
            out.replace(p, kLenMark.size(), digits);
    }
    return out;
}

}  // namespace sipstorm::conform
