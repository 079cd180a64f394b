// What a transaction machine tells its caller to do. The machines do no I/O and own no timers:
// every entry point returns an Outcome, and the caller performs the actions and arms one timer
// per transaction at Outcome::deadline_ns.
#pragma once
#include <cstdint>

namespace sipstorm::txn {

enum class TxnKind : uint8_t { kInvite, kNonInvite };

// The union of the RFC 3261 §17 states; each machine uses its own subset. kIdle is "not started",
// so a zero-initialised call slot holds a harmless transaction.
enum class State : uint8_t { kIdle, kCalling, kTrying, kProceeding, kCompleted, kConfirmed, kTerminated };

// Bit flags; several can be set at once (e.g. kDeliver | kSendAck | kTerminated).
enum Action : uint16_t {
    kNone = 0,
    kDeliver = 1u << 0,             // pass the received response to the TU (the call)
    kAbsorb = 1u << 1,              // drop the received message (a retransmission), or don't send it
    kSendAck = 1u << 2,             // INVITE client: send the ACK for the non-2xx final (§17.1.1.3)
    kRetransmit = 1u << 3,          // timer-driven: resend the request (client) / last response (server)
    kResendLastResponse = 1u << 4,  // a request retransmission arrived: resend the last response
    kTimeout = 1u << 5,             // B, F, H or the 2xx give-up fired: fail the call, see reason()
    kTransportError = 1u << 6,      // the transport failed: fail the call with "transport error"
    kTerminated = 1u << 7,          // the transaction is over: cancel its timer, the slot is free
};
using Actions = uint16_t;

// Which timer an on_timer() call acted on, so that failures name it ("timeout (Timer B)").
enum class TimerId : uint8_t { kNone, kA, kB, kD, kE, kF, kG, kH, kI, kJ, kK, k2xx };

struct Outcome {
    uint64_t deadline_ns = 0;  // absolute time to arm the transaction's timer at; 0 = none
    Actions actions = kNone;
    TimerId timer = TimerId::kNone;

    bool has(Action a) const { return (actions & a) != 0; }
};

// Failure text for a call that ended on this outcome ("timeout (Timer B)", "no ACK (Timer H)",
// "no ACK for 2xx", "transport error"), or nullptr when the outcome is not a failure.
const char* reason(const Outcome& o);
// The same text for a timer alone; nullptr for timers whose expiry is not a failure (A, D, E ...).
const char* reason(TimerId t);
const char* state_name(State s);

}  // namespace sipstorm::txn
