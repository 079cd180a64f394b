// validate(): the semantic checks of RFC 3261 §8.2 and §20 that RFC 4475 exercises, run after a
// successful parse(), ending with the answers a UAS gives to well-formed requests it cannot serve
// (416, 420, 415, 406).  Each check returns the first defect it finds as a Verdict with a static
// detail; the order of checks decides which defect a message with several is reported for.
#include "sip/validate.hpp"

#include <array>

#include "sip/lex.hpp"
#include "sip/name_addr.hpp"
#include "sip/scalars.hpp"
#include "sip/uri.hpp"
#include "sip/via.hpp"

namespace sipstorm::sip {

namespace {

constexpr size_t idx(HeaderId id) {
    return static_cast<size_t>(id);
}

// Headers RFC 3261 §7.3.1 allows only once: their grammar has no comma list.
struct SingleValue {
    HeaderId id;
    std::string_view twice;    // detail when it appears more than once
    std::string_view missing;  // detail when a request lacks it, or empty if it may be absent
};
constexpr std::array<SingleValue, 8> kSingle = {{
    {HeaderId::kCallId, "Call-ID appears more than once", "missing Call-ID"},
    {HeaderId::kFrom, "From appears more than once", "missing From"},
    {HeaderId::kTo, "To appears more than once", "missing To"},
    {HeaderId::kCSeq, "CSeq appears more than once", "missing CSeq"},
    // Max-Forwards is mandatory for a UAC (§8.1.1.6) but a UAS tolerates its absence.
    {HeaderId::kMaxForwards, "Max-Forwards appears more than once", ""},
    {HeaderId::kContentLength, "more than one Content-Length", ""},
    {HeaderId::kContentType, "Content-Type appears more than once", ""},
    {HeaderId::kExpires, "Expires appears more than once", ""},
}};

Verdict check_presence(const MessageView& m) {
    std::array<uint8_t, idx(HeaderId::kCount)> seen{};
    for (uint16_t i = 0; i < m.header_count; ++i) {
        uint8_t& n = seen[idx(m.headers[i].id)];
        if (n < 2) ++n;
    }
    for (const SingleValue& s : kSingle) {
        if (seen[idx(s.id)] > 1) return bad_request(s.twice);
    }
    for (const SingleValue& s : kSingle) {
        if (seen[idx(s.id)] == 0 && !s.missing.empty()) return bad_request(s.missing);
    }
    if (seen[idx(HeaderId::kVia)] == 0) return bad_request("missing Via");
    return {};
}

Verdict check_cseq(const MessageView& m) {
    CSeq cseq;
    switch (parse_cseq(m.find(HeaderId::kCSeq)->value, cseq)) {
        case FieldError::kOk:
            break;
        case FieldError::kOverflow:
            return bad_request("CSeq number above 2^31-1");
        default:
            return bad_request("malformed CSeq");
    }
    if (!m.is_request || cseq.method_text == m.method_text) return {};
    // RFC 4475 §3.1.2.18: for a method we do not know, 501 is the more useful answer.
    if (m.method == Method::kUnknown) return not_implemented("unknown method, and CSeq names another");
    return bad_request("CSeq method does not match the request method");
}

Verdict check_scalars(const MessageView& m) {
    if (const Header* h = m.find(HeaderId::kMaxForwards)) {
        uint8_t hops = 0;
        FieldError e = parse_max_forwards(h->value, hops);
        if (e == FieldError::kOverflow) return bad_request("Max-Forwards above 255");
        if (e != FieldError::kOk) return bad_request("malformed Max-Forwards");
    }
    if (const Header* h = m.find(HeaderId::kExpires)) {
        uint32_t secs = 0;
        FieldError e = parse_expires(h->value, secs);
        if (e == FieldError::kOverflow) return bad_request("Expires above 2^32-1");
        if (e != FieldError::kOk) return bad_request("malformed Expires");
    }
    if (const Header* h = m.find(HeaderId::kContentLength)) {
        uint32_t len = 0;
        FieldError e = parse_content_length(h->value, len);
        if (e == FieldError::kOverflow) return bad_request("Content-Length too large");
        if (e != FieldError::kOk) return bad_request("malformed Content-Length");
    }
    // RFC 3261 §20.15: without Content-Type a receiver cannot interpret the body.
    if (!m.body.empty() && m.find(HeaderId::kContentType) == nullptr) {
        return bad_request("body without Content-Type");
    }
    if (validate_call_id(m.find(HeaderId::kCallId)->value) != FieldError::kOk) {
        return bad_request("malformed Call-ID");
    }
    return {};
}

// The detail for a name-addr failure in From / To / Contact / Route.
Verdict address_error(FieldError e, std::string_view header_detail) {
    switch (e) {
        case FieldError::kUnterminated:
            return bad_request("unterminated quoted string or <> in an address");
        case FieldError::kOverflow:
            return bad_request("overlarge parameter value in an address");
        default:
            return bad_request(header_detail);
    }
}

Verdict check_single_address(const MessageView& m, HeaderId id, std::string_view detail) {
    NameAddr na;
    Uri uri;
    FieldError e = parse_name_addr(m.find(id)->value, na, &uri);
    if (e == FieldError::kOk && na.star) e = FieldError::kSyntax;
    return e == FieldError::kOk ? Verdict{} : address_error(e, detail);
}

// Contact, Route and Record-Route may hold lists and may repeat.
Verdict check_address_lists(const MessageView& m) {
    for (uint16_t i = 0; i < m.header_count; ++i) {
        const Header& h = m.headers[i];
        std::string_view detail;
        switch (h.id) {
            case HeaderId::kContact:
                detail = "malformed Contact";
                break;
            case HeaderId::kRoute:
                detail = "malformed Route";
                break;
            case HeaderId::kRecordRoute:
                detail = "malformed Record-Route";
                break;
            default:
                continue;
        }
        NameAddrIter it(h.value);
        NameAddr na;
        Uri uri;
        int n = 0;
        while (it.next(na, &uri)) ++n;
        if (it.error() != FieldError::kOk) return address_error(it.error(), detail);
        if (n == 0) return bad_request(detail);
    }
    return {};
}

Verdict check_vias(const MessageView& m) {
    for (uint16_t i = 0; i < m.header_count; ++i) {
        if (m.headers[i].id != HeaderId::kVia) continue;
        ViaIter it(m.headers[i].value);
        Via via;
        int n = 0;
        while (it.next(via)) ++n;
        if (it.error() != FieldError::kOk || n == 0) return bad_request("malformed Via");
    }
    return {};
}

Verdict check_request_uri(const MessageView& m) {
    Uri uri;
    if (parse_uri(m.request_uri, uri) != FieldError::kOk) return bad_request("malformed Request-URI");
    if (uri.scheme == Scheme::kOther)
        return unsupported_uri_scheme("Request-URI scheme is not sip, sips or tel");
    // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (uri.has_headers) return bad_request("header components in the Request-URI");
    return {};
}

// RFC 3261 §20.17, §25.1: SIP-date is rfc1123-date, "Fri, 01 Jan 2010 16:00:00 GMT", and only GMT
// (RFC 4475 §3.1.2.12). Separators are single spaces in the grammar; a fold counts as one.
Verdict check_date(const MessageView& m) {
    const Header* h = m.find(HeaderId::kDate);
    if (h == nullptr) return {};
    const std::string_view v = h->value;
    size_t p = 0;
    auto word = [&](size_t n, uint16_t cls) {
        for (size_t k = 0; k < n; ++k, ++p)
            if (p >= v.size() || !lex::is(v[p], cls)) return false;
        return true;
    };
    auto lit = [&](char c) { return p < v.size() && v[p++] == c; };
    auto space = [&]() {
        const size_t q = lex::skip_lws(v, p);
        if (q == p) return false;
        p = q;
        return true;
    };
    constexpr std::string_view kDays = "MonTueWedThuFriSatSun";
    constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    auto one_of = [&](std::string_view names) {
        for (size_t k = 0; k + 3 <= names.size(); k += 3)
            if (v.substr(p, 3) == names.substr(k, 3)) {
                p += 3;
                return true;
            }
        return false;
    };
    const bool ok = one_of(kDays) && lit(',') && space() && word(2, lex::kDigit) && space() &&
                    one_of(kMonths) && space() && word(4, lex::kDigit) && space() && word(2, lex::kDigit) &&
                    lit(':') && word(2, lex::kDigit) && lit(':') && word(2, lex::kDigit) && space();
    if (!ok) return bad_request("malformed Date");
    if (v.substr(p) != "GMT") return bad_request("Date not in GMT");
    return {};
}

// The first media type of a Content-Type or Accept element, without parameters.
std::string_view media_type(std::string_view element) {
    return lex::trim_lws(element.substr(0, element.find(';')));
}

// Option tags a sipstorm UAS understands in Require (RFC 3261 §8.2.2.3); a Require listing any
// other gets 420. ACK and CANCEL are never rejected for their Require.
Verdict check_require(const MessageView& m) {
    if (m.method == Method::kAck || m.method == Method::kCancel) return {};
    for (uint16_t i = 0; i < m.header_count; ++i) {
        if (m.headers[i].id != HeaderId::kRequire) continue;
        bool unknown = false;
        lex::for_each_value(m.headers[i].value, [&](std::string_view tag) {
            if (!tag.empty() && !lex::iequals(tag, "100rel")) unknown = true;
        });
        if (unknown) return bad_extension("Require names an extension we do not support");
    }
    return {};
}

// Methods whose body is a session description (RFC 3264 offer/answer): another type gets 415
// (RFC 3261 §8.2.3, RFC 4475 §3.3.6); multipart bodies may carry the SDP among other parts.
bool carries_sdp(Method method) {
    return method == Method::kInvite || method == Method::kAck || method == Method::kPrack ||
           method == Method::kUpdate;
}

bool sdp_or_multipart(std::string_view type) {
    return lex::iequals(type, "application/sdp") ||
           (type.size() > 10 && lex::iequals(type.substr(0, 10), "multipart/"));
}

Verdict check_content_type(const MessageView& m) {
    if (m.body.empty() || !carries_sdp(m.method)) return {};
    const Header* h = m.find(HeaderId::kContentType);
    if (h != nullptr && !sdp_or_multipart(media_type(h->value)))
        return unsupported_media_type("body type other than application/sdp");
    return {};
}

// An INVITE's answer carries SDP; an Accept that admits neither it nor a wildcard covering it gets
// 406 (RFC 3261 §21.4.7, RFC 4475 §3.3.15). No Accept header means application/sdp (§20.1).
Verdict check_accept(const MessageView& m) {
    if (m.method != Method::kInvite || m.find(HeaderId::kAccept) == nullptr) return {};
    bool acceptable = false, listed = false;
    for (uint16_t i = 0; i < m.header_count; ++i) {
        if (m.headers[i].id != HeaderId::kAccept) continue;
        lex::for_each_value(m.headers[i].value, [&](std::string_view element) {
            const std::string_view t = media_type(element);
            if (t.empty()) return;
            listed = true;
            acceptable = acceptable || lex::iequals(t, "application/sdp") || t == "*/*" ||
                         lex::iequals(t, "application/*") || sdp_or_multipart(t);
        });
    }
    return !listed || acceptable ? Verdict{} : not_acceptable("Accept does not admit application/sdp");
}

}  // namespace

Verdict validate(const MessageView& m) {
    Verdict v = check_presence(m);
    if (v.ok()) v = check_cseq(m);
    if (v.ok()) v = check_scalars(m);
    if (v.ok()) v = check_single_address(m, HeaderId::kFrom, "malformed From");
    if (v.ok()) v = check_single_address(m, HeaderId::kTo, "malformed To");
    if (v.ok()) v = check_address_lists(m);
    if (v.ok()) v = check_vias(m);
    if (v.ok()) v = check_date(m);
    if (v.ok() && m.is_request) v = check_request_uri(m);
    // What a UAS answers to a well-formed request it cannot serve, in RFC 3261 §8.2's order.
    if (v.ok() && m.is_request) v = check_require(m);
    if (v.ok() && m.is_request) v = check_content_type(m);
    if (v.ok() && m.is_request) v = check_accept(m);
    return v;
}

}  // namespace sipstorm::sip
