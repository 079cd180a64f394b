// One call (one SIP dialog and its transactions) as the shard keeps it: a fixed-size slot in the
// shard's call table, so that the steady state allocates nothing per call.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

#include "net/address.hpp"
#include "runtime/timer_wheel.hpp"
#include "sip/message.hpp"
#include "txn/client_txn.hpp"
#include "txn/server_txn.hpp"
#include "txn/uas_2xx_retransmit.hpp"

namespace sipstorm::ua {

// Text a call keeps between messages, stored in its arena. The dialog fields persist; the "last"
// fields hold the header lines of the last received message that the scenario's ${last_*} slots use.
enum class Field : uint8_t {
    kCallId,  // the Call-ID when the peer chose it (UAS); a UAC's is derived from its slot
    kRemoteTag,
    kRemoteTarget,  // RFC 3261 §12: Contact URI of the peer
    kRoutes,        // rendered "Route: ...\r\n" lines of the route set
    kRemoteUri,     // the peer's From/To value without tag, for in-dialog requests it sends
    kDialogCount,
    kLast = kDialogCount,  // then one per HeaderId in the program's ${last_*} set, see Engine
};

inline constexpr size_t kArenaBytes = 576;
inline constexpr size_t kMaxFields = 16;

struct FieldRef {
    uint16_t offset = 0;
    uint16_t length = 0;
};

// Call slot states.
enum class CallState : uint8_t { kFree, kActive };

// What the call is waiting for at its current step.
enum class Wait : uint8_t { kNone, kRecv, kPause };

struct Call {
    // Identity: index in the table and a generation that changes each time the slot is reused, so
    // that messages and timers of a finished call never reach its successor.
    uint32_t index = 0;
    uint32_t generation = 0;
    CallState state = CallState::kFree;
    Wait wait = Wait::kNone;
    uint16_t pc = 0;           // current step
    uint32_t cseq = 0;         // our last CSeq number
    uint32_t invite_cseq = 0;  // the CSeq of our last INVITE (ACK and CANCEL reuse it)
    uint16_t branch_seq = 0;   // bumps per new client transaction
    uint16_t invite_branch_seq = 0;
    uint16_t request_branch = 0;  // branch and CSeq of the live client request, to re-render it
    uint16_t ack_branch = 0;
    uint32_t request_cseq = 0;
    uint32_t number = 0;                 // ${call_number}
    uint16_t last_request_tpl = 0xffff;  // for retransmissions (re-rendered identically)
    uint16_t last_response_tpl = 0xffff;
    uint16_t ack_tpl = 0xffff;     // our ACK for a 2xx, resent if the 2xx is retransmitted
    uint16_t invite_tpl = 0xffff;  // the INVITE, for an ACK to a non-2xx final
    uint16_t arena_used = 0;
    uint16_t last_start = 0;  // where the "last" fields start in the arena
    uint8_t flags = 0;
    sip::Method client_method = sip::Method::kUnknown;  // method of the live client transaction
    sip::Method server_method = sip::Method::kUnknown;  // method of the live server transaction
    uint32_t server_cseq = 0;                           // its CSeq number (retransmission detection)

    runtime::TimerId timer = runtime::kInvalidTimer;
    uint64_t timer_at = 0;       // when the armed timer fires
    uint64_t step_deadline = 0;  // pause end or recv timeout; 0 = none
    uint64_t intended_start_ns = 0;
    uint64_t request_sent_ns = 0;  // intended send time of the live client request (response times)

    txn::ClientTxn ctxn;
    txn::ServerTxn stxn;
    txn::Uas2xxRetransmit retx2xx;
    net::Address peer;

    FieldRef fields[kMaxFields];
    char arena[kArenaBytes];

    std::string_view field(unsigned f) const {
        return std::string_view(arena + fields[f].offset, fields[f].length);
    }
    bool has_field(unsigned f) const { return fields[f].length != 0; }
};

// Call::flags
inline constexpr uint8_t kFlagSetupDone = 1u << 0;       // the INVITE got its 2xx (setup time recorded)
inline constexpr uint8_t kFlagInviteAnswered = 1u << 1;  // a final response to our INVITE arrived

}  // namespace sipstorm::ua
