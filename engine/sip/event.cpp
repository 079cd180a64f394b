#include "sip/event.hpp"

namespace sipstorm::sip {
namespace {

FieldError parse_seconds(const Param& prm, uint32_t& out) {
    if (!prm.has_value || prm.quoted || prm.value.empty()) return FieldError::kBadParam;
    uint64_t v = 0;
    for (char c : prm.value) {
        if (!lex::is_digit(c)) return FieldError::kBadParam;
        v = v * 10 + uint64_t(c - '0');
        if (v > 0xffffffffu) return FieldError::kOverflow;
    }
    out = static_cast<uint32_t>(v);
    return FieldError::kOk;
}

// Token at the start of v, then the parameter list; returns the token end or npos.
size_t leading_token(std::string_view v, std::string_view& tok) {
    const size_t e = lex::scan_token(v, 0);
    if (e == 0) return lex::npos;
    tok = v.substr(0, e);
    return e;
}

// Raw params from the first ';' to the end, once the iterator has validated them.
std::string_view raw_params(std::string_view v, size_t from) {
    const size_t semi = v.find(';', from);
    return semi == std::string_view::npos ? std::string_view{} : v.substr(semi);
}

}  // namespace

FieldError parse_event(std::string_view value, Event& out) {
    out = Event{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    const size_t e = leading_token(v, out.package);
    if (e == lex::npos) return FieldError::kSyntax;
    // event-package *( "." event-template ): dots only between non-empty parts.
    const std::string_view pk = out.package;
    if (pk.front() == '.' || pk.back() == '.' || pk.find("..") != std::string_view::npos)
        return FieldError::kSyntax;
    ParamIter it(v, ParamSyntax::kHeader, e);
    Param prm;
    while (it.next(prm)) {
        if (lex::iequals_lit(prm.name, "id")) {
            if (!prm.has_value || prm.quoted) return FieldError::kBadParam;
            out.id = prm.value;
            out.has_id = true;
        }
    }
    if (it.error() != FieldError::kOk) return it.error();
    if (!it.at_end()) return FieldError::kSyntax;
    out.params = raw_params(v, e);
    return FieldError::kOk;
}

FieldError parse_subscription_state(std::string_view value, SubscriptionState& out) {
    out = SubscriptionState{};
    const std::string_view v = lex::trim_lws(value);
    if (v.empty()) return FieldError::kEmpty;
    const size_t e = leading_token(v, out.state_text);
    if (e == lex::npos) return FieldError::kSyntax;
    if (lex::iequals(out.state_text, "active"))
        out.state = SubState::kActive;
    else if (lex::iequals(out.state_text, "pending"))
        out.state = SubState::kPending;
    else if (lex::iequals(out.state_text, "terminated"))
        out.state = SubState::kTerminated;
    ParamIter it(v, ParamSyntax::kHeader, e);
    Param prm;
    while (it.next(prm)) {
        FieldError err = FieldError::kOk;
        if (lex::iequals_lit(prm.name, "reason")) {
            if (!prm.has_value || prm.quoted) return FieldError::kBadParam;
            out.reason = prm.value;
        } else if (lex::iequals_lit(prm.name, "expires")) {
            err = parse_seconds(prm, out.expires);
            out.has_expires = true;
        } else if (lex::iequals_lit(prm.name, "retry-after")) {
            err = parse_seconds(prm, out.retry_after);
            out.has_retry_after = true;
        }
        if (err != FieldError::kOk) return err;
    }
    if (it.error() != FieldError::kOk) return it.error();
    if (!it.at_end()) return FieldError::kSyntax;
    out.params = raw_params(v, e);
    return FieldError::kOk;
}

}  // namespace sipstorm::sip
