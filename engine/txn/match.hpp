// Transaction matching keys (RFC 3261 §17.1.3 for responses, §17.2.3 for requests). The caller keeps
// the table; this only turns the matching fields into one 64-bit key.
//
// The rule, for branches that start with the magic cookie "z9hG4bK" (RFC 3261 senders):
//  - A response matches a client transaction by the top Via branch and the CSeq method: a CANCEL
//    carries the same branch as its INVITE but is a transaction of its own. The top Via of a
//    response is our own, so pass an empty sent_by.
//  - A request matches a server transaction by the top Via branch, the top Via sent-by and the
//    method, where an ACK matches the INVITE (the ACK for a non-2xx final belongs to the INVITE
//    transaction; the ACK for a 2xx has a new branch and goes to the dialog). sent-by is in the key
//    because branches are unique only per sender. To find the INVITE a CANCEL cancels (§9.2), look
//    up the CANCEL's branch and sent-by with Method::kInvite.
// Branches without the cookie come from RFC 2543 senders, whose branches need not be unique: the
// caller must not use this key for them and falls back to the older rule (§17.2.3: Request-URI,
// To tag, From tag, Call-ID, CSeq and top Via all equal; for responses, Call-ID, CSeq and From tag).
//
// It is a hash: a caller that cannot tolerate a 1-in-2^64 collision confirms the branch after lookup.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/message.hpp"

namespace sipstorm::txn {

inline constexpr std::string_view kMagicCookie = "z9hG4bK";

constexpr bool has_magic_cookie(std::string_view branch) {
    return branch.starts_with(kMagicCookie);
}

// ACK folds into INVITE; every other method is its own class.
constexpr sip::Method method_class(sip::Method m) {
    return m == sip::Method::kAck ? sip::Method::kInvite : m;
}

namespace detail {
inline constexpr uint64_t kFnvOffset = 14695981039346656037ull;
inline constexpr uint64_t kFnvPrime = 1099511628211ull;

constexpr uint64_t fnv1a(uint64_t h, uint8_t byte) {
    return (h ^ byte) * kFnvPrime;
}

constexpr uint64_t fnv1a(uint64_t h, std::string_view s, bool fold_case) {
    for (char c : s) {
        if (fold_case && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        h = fnv1a(h, static_cast<uint8_t>(c));
    }
    // A byte no token contains ends each field, so ("ab", "c") and ("a", "bc") differ.
    return fnv1a(h, uint8_t{0});
}
}  // namespace detail

// method_text is hashed only for extension methods (Method::kUnknown), which share one enum value.
// The branch and the method are compared case-sensitively; sent-by holds a host name, which is not.
constexpr uint64_t txn_key(std::string_view branch, std::string_view sent_by, sip::Method method,
                           std::string_view method_text = {}) {
    const sip::Method cls = method_class(method);
    uint64_t h = detail::fnv1a(detail::kFnvOffset, branch, false);
    h = detail::fnv1a(h, sent_by, true);
    h = detail::fnv1a(h, static_cast<uint8_t>(cls));
    if (cls == sip::Method::kUnknown) h = detail::fnv1a(h, method_text, false);
    return h;
}

}  // namespace sipstorm::txn
