// What the call engine reports as it runs. The shard gives each engine one Recorder that writes
// into that shard's own statistics; nothing here is shared between threads.
#pragma once
#include <cstdint>
#include <string_view>

#include "sip/message.hpp"

namespace sipstorm::ua {

enum class FailReason : uint8_t {
    kTimeout,            // Timer B/F/H, a 2xx never ACKed, or a recv step's timeout
    kUnexpectedMessage,  // a message the scenario did not expect at that step
    kFinalResponse,      // a final response other than the one expected (4xx/5xx/6xx)
    kTransportError,
    kAborted,      // still running when the run ended
    kScriptError,  // a hook failed
    kScenario,     // the scenario's own verdict: a fail step, a required capture, rejected credentials
    kOther,
};

class Recorder {
  public:
    virtual ~Recorder() = default;
    virtual void call_started(uint64_t intended_ns, uint64_t now_ns) = 0;
    virtual void call_succeeded(uint64_t intended_ns, uint64_t now_ns) = 0;
    // detail is a static or short-lived text ("timeout (Timer B)", "unexpected 486 at step 3").
    virtual void call_failed(FailReason reason, std::string_view detail, uint16_t status_code) = 0;
    virtual void call_setup(uint64_t setup_ns) = 0;  // INVITE intended send -> 2xx
    virtual void response_time(sip::Method method, uint64_t ns) = 0;
    virtual void message_out(bool is_request, sip::Method method, uint16_t code, bool retransmission) = 0;
    virtual void message_in(bool is_request, sip::Method method, uint16_t code) = 0;
    virtual void retransmission_in() = 0;  // a peer's retransmission we absorbed or answered
    virtual void parse_error() = 0;
    virtual void unknown_call() = 0;  // a message for no call we know
    // The scenario's own counter went up, or its timer (by index, see Program) took ns.
    virtual void scenario_counter(unsigned index) = 0;
    virtual void auto_answered() {}  // a request answered 200 by EngineConfig::auto_answer
    virtual void scenario_timer(unsigned index, uint64_t ns) = 0;
};

}  // namespace sipstorm::ua
