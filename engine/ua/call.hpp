// One call (one SIP dialog and its transactions) as the shard keeps it: a fixed-size slot in the
// shard's call table, so that the steady state allocates nothing per call.
#pragma once
#include <cstddef>
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
// Then, from kDialogCount: the call's variables (captures), the ${invite_*} headers and the ${last_*}
// headers, as many of each as the program uses (see Engine's field bases).
enum class Field : uint8_t {
    kCallId,  // the Call-ID when the peer chose it (UAS); a UAC's is derived from its slot
    kRemoteTag,
    kRemoteTarget,  // RFC 3261 §12: Contact URI of the peer
    kRoutes,        // rendered "Route: ...\r\n" lines of the route set
    kRemoteUri,     // UAS: the URI of the From of the request that opened the call
    kLocalUri,      // UAS: the URI of its To
    kChallenge,     // the last WWW-/Proxy-Authenticate value we can answer (UAC)
    kDialogCount,
};

// The arena inside Call; a program that keeps more (variables, ${invite_*}) gets extra bytes right
// after each Call in its table's slot (CallTable's stride), up to kMaxArenaBytes in all.
inline constexpr size_t kArenaBytes = 512;
inline constexpr size_t kMaxArenaBytes = 2048;
inline constexpr size_t kMaxFields = 24;
inline constexpr size_t kMaxInjectionFiles = 4;

// One client transaction and what it takes to retransmit its request. [0] INVITE, [1] any other:
// a CANCEL, PRACK or UPDATE runs while the INVITE's transaction lives on (RFC 3261 §9.1, RFC 3262).
struct ClientSide {
    txn::ClientTxn txn;
    uint64_t sent_ns = 0;  // intended send time of the request (response times)
    uint32_t cseq = 0;
    uint16_t branch = 0;
    uint16_t tpl = 0xffff;
    sip::Method method = sip::Method::kUnknown;
};

// One server transaction and the response to resend on a retransmitted request. [0] INVITE, [1] other.
struct ServerSide {
    txn::ServerTxn txn;
    uint32_t cseq = 0;
    uint32_t branch_hash = 0;  // of the request's top Via branch: CANCEL and merged-request matching
    uint16_t response_tpl = 0xffff;
    sip::Method method = sip::Method::kUnknown;
};

// A server transaction that still owes its request a final response.
inline bool awaiting_final(const ServerSide& s) {
    return s.txn.state() == txn::State::kTrying || s.txn.state() == txn::State::kProceeding;
}

inline constexpr size_t side_of(sip::Method m) {
    return m == sip::Method::kInvite ? 0 : 1;
}

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
    uint16_t pc = 0;          // current step
    uint32_t cseq = 0;        // our last CSeq number
    uint16_t branch_seq = 0;  // bumps per new client transaction
    uint16_t ack_branch = 0;
    uint32_t number = 0;        // ${call_number}
    uint16_t ack_tpl = 0xffff;  // our ACK for a 2xx, resent if the 2xx is retransmitted
    uint16_t arena_used = 0;
    uint16_t last_start = 0;  // where the "last" fields start in the arena
    uint8_t flags = 0;
    uint32_t digest_nc = 0;     // nonce count of the challenge we answer (restarts with a new nonce)
    uint64_t digest_nonce = 0;  // hash of that nonce
    uint32_t rows[kMaxInjectionFiles] = {};  // the call's row of each --inf file

    runtime::TimerId timer = runtime::kInvalidTimer;
    uint64_t timer_at = 0;       // when the armed timer fires
    uint64_t step_deadline = 0;  // pause end or recv timeout; 0 = none
    uint64_t intended_start_ns = 0;
    uint64_t request_sent_ns = 0;  // intended send time of the live client request (response times)

    ClientSide client[2];
    ServerSide server[2];
    txn::Uas2xxRetransmit retx2xx;
    net::Address peer;
    uint64_t flow = 0;  // UAS on a stream transport: the connection its requests come on

    uint16_t arena_cap = kArenaBytes;  // set by the table: kArenaBytes + its slot's extra bytes
    FieldRef fields[kMaxFields];
    char arena[kArenaBytes];  // must stay last: it runs on into the slot's extra bytes

    // The arena through a plain pointer, since it may extend past the declared array.
    char* arena_data() { return reinterpret_cast<char*>(this) + offsetof(Call, arena); }
    const char* arena_data() const { return reinterpret_cast<const char*>(this) + offsetof(Call, arena); }
    std::string_view field(unsigned f) const {
        return std::string_view(arena_data() + fields[f].offset, fields[f].length);
    }
    bool has_field(unsigned f) const { return fields[f].length != 0; }
};

// Call::flags
inline constexpr uint8_t kFlagSetupDone = 1u << 0;       // the INVITE got its 2xx (setup time recorded)
inline constexpr uint8_t kFlagInviteAnswered = 1u << 1;  // a final response to our INVITE arrived
inline constexpr uint8_t kFlagAuthSent = 1u << 2;        // our last request carried credentials
inline constexpr uint8_t kFlagProxyChallenge = 1u << 3;  // kChallenge came from a 407 (Proxy-)
inline constexpr uint8_t kFlagOwnDestination =
    1u << 4;  // a UAC sends to `peer` (SIPp's setdest), not the target

}  // namespace sipstorm::ua
