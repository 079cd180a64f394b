// The per-message work the parser benchmarks measure besides parse(): the sub-parses a SIP stack
// needs to match a message to its transaction and dialog (RFC 3261 §17.1.3, §17.2.3, §12): top Via
// (branch, sent-by), From and To (tag), CSeq (number, method) and Call-ID.
#pragma once
#include <string_view>

#include "sip/message.hpp"
#include "sip/name_addr.hpp"
#include "sip/scalars.hpp"
#include "sip/via.hpp"

namespace sipstorm::bench {

struct TxnKeys {
    sip::Via via;
    sip::NameAddr from;
    sip::NameAddr to;
    sip::CSeq cseq;
    std::string_view call_id;
};

// Fills `k` from a parsed message; false when a field is missing or does not parse, or the top Via
// has no branch or the From no tag (every message of the benchmark corpus has both).
inline bool extract_txn_keys(const sip::MessageView& m, TxnKeys& k) {
    const sip::Header* via = m.find(sip::HeaderId::kVia);
    const sip::Header* from = m.find(sip::HeaderId::kFrom);
    const sip::Header* to = m.find(sip::HeaderId::kTo);
    const sip::Header* cseq = m.find(sip::HeaderId::kCSeq);
    const sip::Header* call_id = m.find(sip::HeaderId::kCallId);
    if (!via || !from || !to || !cseq || !call_id) return false;
    if (sip::parse_first_via(via->value, k.via) != sip::FieldError::kOk || k.via.branch.empty() ||
        k.via.host.empty())
        return false;
    if (sip::parse_name_addr(from->value, k.from) != sip::FieldError::kOk || !k.from.has_tag) return false;
    if (sip::parse_name_addr(to->value, k.to) != sip::FieldError::kOk) return false;
    if (sip::parse_cseq(cseq->value, k.cseq) != sip::FieldError::kOk) return false;
    if (sip::validate_call_id(call_id->value) != sip::FieldError::kOk) return false;
    k.call_id = call_id->value;
    return true;
}

}  // namespace sipstorm::bench
