// Semantic checks a SIP stack needs beyond syntax (RFC 3261 §8.2, §20; RFC 4475 §3.1.2, §3.3):
// mandatory headers, single-value headers, CSeq/method agreement, scalar ranges, display names,
// Request-URI scheme.
#pragma once
#include "sip/message.hpp"
#include "sip/verdict.hpp"

namespace sipstorm::sip {

// Returns code 0 when the message is acceptable, else the response a UAS should send (400, 416,
// 501, ...).  Expects a MessageView filled by a successful parse().  Does not allocate.
Verdict validate(const MessageView& m);

}  // namespace sipstorm::sip
