// The identity text of calls we create: Call-ID, tags and branches carry the run, the shard, the
// call's slot and its generation in fixed-width hex, so a response finds its call without a lookup
// table, a message for another shard is recognised, and every datagram of one kind has one length
// (which lets the transport send runs of them with UDP GSO).
#pragma once
#include <cstdint>
#include <string_view>

namespace sipstorm::ua {

// "RRRRRRRRSSIIIIIIGGGGGG": run id (8), shard (2), slot index (6), generation (6).
inline constexpr size_t kCallKeyLength = 22;

struct CallKey {
    uint32_t run_id = 0;
    uint32_t shard = 0;
    uint32_t index = 0;
    uint32_t generation = 0;
};

inline void format_hex(char* out, uint64_t v, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
}

inline void format_call_key(char* out, const CallKey& k) {
    format_hex(out, k.run_id, 8);
    format_hex(out + 8, k.shard, 2);
    format_hex(out + 10, k.index, 6);
    format_hex(out + 16, k.generation, 6);
}

inline bool parse_hex(std::string_view s, uint32_t& out) {
    uint32_t v = 0;
    for (char c : s) {
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<uint32_t>(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    out = v;
    return true;
}

// Parses the key at the start of a Call-ID we made ("<key>@sipstorm"); false for anyone else's.
inline bool parse_call_key(std::string_view call_id, CallKey& k) {
    if (call_id.size() < kCallKeyLength ||
        (call_id.size() > kCallKeyLength && call_id[kCallKeyLength] != '@'))
        return false;
    return parse_hex(call_id.substr(0, 8), k.run_id) && parse_hex(call_id.substr(8, 2), k.shard) &&
           parse_hex(call_id.substr(10, 6), k.index) && parse_hex(call_id.substr(16, 6), k.generation);
}

}  // namespace sipstorm::ua
