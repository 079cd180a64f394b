// The zero-copy view of one SIP message: the contract between the parser and everything above it.
// Every string_view points into the caller's buffer; nothing here owns bytes or allocates.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

namespace sipstorm::sip {

enum class Method : uint8_t {
    kUnknown,  // an extension method: see MessageView::method_text
    kInvite,
    kAck,
    kBye,
    kCancel,
    kRegister,
    kOptions,
    kPrack,
    kUpdate,
    kInfo,
    kRefer,
    kSubscribe,
    kNotify,
    kMessage,
    kPublish,
    kCount
};

// Known headers. Compact forms (RFC 3261 §7.3.3 and extensions) map to the same id:
// i Call-ID, m Contact, e Content-Encoding, l Content-Length, c Content-Type, f From, s Subject,
// k Supported, t To, v Via, o Event, u Allow-Events, r Refer-To, b Referred-By, x Session-Expires, y
// Identity.
enum class HeaderId : uint8_t {
    kOther,
    kVia,
    kFrom,
    kTo,
    kCallId,
    kCSeq,
    kContact,
    kMaxForwards,
    kContentLength,
    kContentType,
    kContentEncoding,
    kRoute,
    kRecordRoute,
    kExpires,
    kMinExpires,
    kRequire,
    kProxyRequire,
    kSupported,
    kUnsupported,
    kAllow,
    kAccept,
    kEvent,
    kAllowEvents,
    kSubscriptionState,
    kReferTo,
    kReferredBy,
    kWwwAuthenticate,
    kProxyAuthenticate,
    kAuthorization,
    kProxyAuthorization,
    kSubject,
    kUserAgent,
    kServer,
    kDate,
    kRSeq,
    kRAck,
    kSessionExpires,
    kIdentity,
    kTimestamp,
    kReason,
    kCount
};

struct Header {
    std::string_view name;   // as written (may be a compact form)
    std::string_view value;  // leading/trailing LWS trimmed; may still contain folded line breaks
    HeaderId id = HeaderId::kOther;
};

inline constexpr int kMaxHeaders = 128;

struct MessageView {
    bool is_request = false;
    // Request line.
    Method method = Method::kUnknown;
    std::string_view method_text;  // always set for requests
    std::string_view request_uri;
    // Status line.
    uint16_t status_code = 0;
    std::string_view reason;
    std::string_view version;  // "SIP/2.0"

    std::array<Header, kMaxHeaders> headers;
    uint16_t header_count = 0;
    // Index of the first header line with each id, or -1.  first[kOther] is unused.
    std::array<int16_t, static_cast<size_t>(HeaderId::kCount)> first;

    std::string_view body;
    uint32_t size = 0;  // bytes this message occupies in the input (start line .. end of body)

    const Header* find(HeaderId id) const {
        int16_t i = first[static_cast<size_t>(id)];
        return i < 0 ? nullptr : &headers[static_cast<size_t>(i)];
    }
};

}  // namespace sipstorm::sip
