#include "sip/header_names.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace sipstorm::sip {

namespace {

using H = HeaderId;

struct NameInfo {
    std::string_view name;
    char compact;
};

constexpr std::array<NameInfo, static_cast<size_t>(H::kCount)> kInfo = {{
    {"", 0},
    {"Via", 'v'},
    {"From", 'f'},
    {"To", 't'},
    {"Call-ID", 'i'},
    {"CSeq", 0},
    {"Contact", 'm'},
    {"Max-Forwards", 0},
    {"Content-Length", 'l'},
    {"Content-Type", 'c'},
    {"Content-Encoding", 'e'},
    {"Route", 0},
    {"Record-Route", 0},
    {"Expires", 0},
    {"Min-Expires", 0},
    {"Require", 0},
    {"Proxy-Require", 0},
    {"Supported", 'k'},
    {"Unsupported", 0},
    {"Allow", 0},
    {"Accept", 0},
    {"Event", 'o'},
    {"Allow-Events", 'u'},
    {"Subscription-State", 0},
    {"Refer-To", 'r'},
    {"Referred-By", 'b'},
    {"WWW-Authenticate", 0},
    {"Proxy-Authenticate", 0},
    {"Authorization", 0},
    {"Proxy-Authorization", 0},
    {"Subject", 's'},
    {"User-Agent", 0},
    {"Server", 0},
    {"Date", 0},
    {"RSeq", 0},
    {"RAck", 0},
    {"Session-Expires", 'x'},
    {"Identity", 'y'},
    {"Timestamp", 0},
    {"Reason", 0},
}};

// Token characters that are not letters never become a letter or '-' when OR-ed with 0x20 (only
// CR would become '-', and CR is not in a name), so OR-ing the input and comparing with the
// lower-case name is an exact case-insensitive match.  Loads are fixed-size and overlap rather than
// byte loops or variable memcpy: this runs once per header line.
template <size_t K>
inline uint64_t load(const char* p) {
    if constexpr (K == 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    } else if constexpr (K == 4) {
        uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
    } else {
        uint16_t v;
        std::memcpy(&v, p, 2);
        return v;
    }
}

template <size_t K>
inline bool chunk_eq(const char* in, const char* lower) {
    constexpr uint64_t kCase = 0x2020202020202020ull >> (64 - 8 * K);
    return (load<K>(in) | kCase) == load<K>(lower);
}

// `in` has exactly N bytes (the caller switched on length); `lower` is the lower-case name.
template <size_t N>
inline bool ieq(const char* in, const char (&lower)[N + 1]) {
    if constexpr (N >= 8) {
        for (size_t i = 0; i + 8 <= N; i += 8) {
            if (!chunk_eq<8>(in + i, lower + i)) return false;
        }
        return N % 8 == 0 || chunk_eq<8>(in + N - 8, lower + N - 8);
    } else if constexpr (N >= 4) {
        return chunk_eq<4>(in, lower) && chunk_eq<4>(in + N - 4, lower + N - 4);
    } else {
        return chunk_eq<2>(in, lower) && chunk_eq<2>(in + N - 2, lower + N - 2);
    }
}

template <size_t M>
inline H is(std::string_view in, const char (&lower)[M], H id) {
    return ieq<M - 1>(in.data(), lower) ? id : H::kOther;
}

H compact(char c) {
    switch (c | 0x20) {
        case 'i':
            return H::kCallId;
        case 'm':
            return H::kContact;
        case 'e':
            return H::kContentEncoding;
        case 'l':
            return H::kContentLength;
        case 'c':
            return H::kContentType;
        case 'f':
            return H::kFrom;
        case 's':
            return H::kSubject;
        case 'k':
            return H::kSupported;
        case 't':
            return H::kTo;
        case 'v':
            return H::kVia;
        case 'o':
            return H::kEvent;
        case 'u':
            return H::kAllowEvents;
        case 'r':
            return H::kReferTo;
        case 'b':
            return H::kReferredBy;
        case 'x':
            return H::kSessionExpires;
        case 'y':
            return H::kIdentity;
        default:
            return H::kOther;
    }
}

}  // namespace

HeaderId header_id(std::string_view n) {
    if (n.empty()) return H::kOther;
    const char c = static_cast<char>(n[0] | 0x20);
    switch (n.size()) {
        case 1:
            return compact(n[0]);
        case 2:
            return is(n, "to", H::kTo);
        case 3:
            return is(n, "via", H::kVia);
        case 4:
            switch (c) {
                case 'f':
                    return is(n, "from", H::kFrom);
                case 'c':
                    return is(n, "cseq", H::kCSeq);
                case 'd':
                    return is(n, "date", H::kDate);
                case 'r':
                    return (n[1] | 0x20) == 's' ? is(n, "rseq", H::kRSeq) : is(n, "rack", H::kRAck);
                default:
                    return H::kOther;
            }
        case 5:
            switch (c) {
                case 'r':
                    return is(n, "route", H::kRoute);
                case 'a':
                    return is(n, "allow", H::kAllow);
                case 'e':
                    return is(n, "event", H::kEvent);
                default:
                    return H::kOther;
            }
        case 6:
            switch (c) {
                case 'a':
                    return is(n, "accept", H::kAccept);
                case 's':
                    return is(n, "server", H::kServer);
                case 'r':
                    return is(n, "reason", H::kReason);
                default:
                    return H::kOther;
            }
        case 7:
            switch (c) {
                case 'c':
                    return (n[1] | 0x20) == 'a' ? is(n, "call-id", H::kCallId)
                                                : is(n, "contact", H::kContact);
                case 'e':
                    return is(n, "expires", H::kExpires);
                case 'r':
                    return is(n, "require", H::kRequire);
                case 's':
                    return is(n, "subject", H::kSubject);
                default:
                    return H::kOther;
            }
        case 8:
            switch (c) {
                case 'r':
                    return is(n, "refer-to", H::kReferTo);
                case 'i':
                    return is(n, "identity", H::kIdentity);
                default:
                    return H::kOther;
            }
        case 9:
            switch (c) {
                case 's':
                    return is(n, "supported", H::kSupported);
                case 't':
                    return is(n, "timestamp", H::kTimestamp);
                default:
                    return H::kOther;
            }
        case 10:
            return is(n, "user-agent", H::kUserAgent);
        case 11:
            switch (c) {
                case 'm':
                    return is(n, "min-expires", H::kMinExpires);
                case 'u':
                    return is(n, "unsupported", H::kUnsupported);
                case 'r':
                    return is(n, "referred-by", H::kReferredBy);
                default:
                    return H::kOther;
            }
        case 12:
            switch (c) {
                case 'm':
                    return is(n, "max-forwards", H::kMaxForwards);
                case 'c':
                    return is(n, "content-type", H::kContentType);
                case 'r':
                    return is(n, "record-route", H::kRecordRoute);
                case 'a':
                    return is(n, "allow-events", H::kAllowEvents);
                default:
                    return H::kOther;
            }
        case 13:
            switch (c) {
                case 'p':
                    return is(n, "proxy-require", H::kProxyRequire);
                case 'a':
                    return is(n, "authorization", H::kAuthorization);
                default:
                    return H::kOther;
            }
        case 14:
            return is(n, "content-length", H::kContentLength);
        case 15:
            return is(n, "session-expires", H::kSessionExpires);
        case 16:
            switch (c) {
                case 'c':
                    return is(n, "content-encoding", H::kContentEncoding);
                case 'w':
                    return is(n, "www-authenticate", H::kWwwAuthenticate);
                default:
                    return H::kOther;
            }
        case 18:
            switch (c) {
                case 's':
                    return is(n, "subscription-state", H::kSubscriptionState);
                case 'p':
                    return is(n, "proxy-authenticate", H::kProxyAuthenticate);
                default:
                    return H::kOther;
            }
        case 19:
            return is(n, "proxy-authorization", H::kProxyAuthorization);
        default:
            return H::kOther;
    }
}

std::string_view header_name(HeaderId id) {
    auto i = static_cast<size_t>(id);
    return i < kInfo.size() ? kInfo[i].name : std::string_view{};
}

char header_compact_form(HeaderId id) {
    auto i = static_cast<size_t>(id);
    return i < kInfo.size() ? kInfo[i].compact : 0;
}

}  // namespace sipstorm::sip
