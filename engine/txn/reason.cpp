#include "txn/action.hpp"

namespace sipstorm::txn {

const char* reason(TimerId t) {
    switch (t) {
        case TimerId::kB:
            return "timeout (Timer B)";
        case TimerId::kF:
            return "timeout (Timer F)";
        case TimerId::kH:
            return "no ACK (Timer H)";
        case TimerId::k2xx:
            return "no ACK for 2xx";
        default:
            return nullptr;
    }
}

const char* reason(const Outcome& o) {
    if (o.has(kTransportError)) return "transport error";
    if (o.has(kTimeout)) return reason(o.timer);
    return nullptr;
}

const char* state_name(State s) {
    switch (s) {
        case State::kIdle:
            return "Idle";
        case State::kCalling:
            return "Calling";
        case State::kTrying:
            return "Trying";
        case State::kProceeding:
            return "Proceeding";
        case State::kCompleted:
            return "Completed";
        case State::kConfirmed:
            return "Confirmed";
        case State::kTerminated:
            return "Terminated";
    }
    return "?";
}

}  // namespace sipstorm::txn
