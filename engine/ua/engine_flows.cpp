// The call engine on stream transports (TCP, TLS): each call names its flow to the transport. A UAC's
// flow is its own key (slot and generation), which the transport maps to the shared, pooled or
// per-call connection; a UAS's is the connection its requests arrive on, so it answers there (RFC
// 3261 §18.2.2) and sends its own in-dialog requests there too. A broken connection fails the calls
// on it with transport_error (a transport error counts as a 503, §8.1.3.1), never the others.
#include "ua/engine.hpp"

namespace sipstorm::ua {

namespace {

uint64_t uac_flow(const Call& c) {
    return (static_cast<uint64_t>(c.generation & 0x7fffffffu) << 32) | c.index;
}

}  // namespace

uint64_t Engine::flow_of(const Call& call) const {
    return program_.role == Role::kUac ? uac_flow(call) : call.flow;
}

void Engine::begin_flow(Call& call) {
    transport_.flow_begin(flow_of(call));
}

void Engine::end_flow(Call& call) {
    transport_.flow_end(flow_of(call));
}

// A UAS call follows its peer to the connection of its latest request.
void Engine::update_flow(Call& call) {
    if (program_.role == Role::kUac || call.flow == rx_flow_ || rx_flow_ == 0) return;
    transport_.flow_end(call.flow);
    call.flow = rx_flow_;
    transport_.flow_begin(call.flow);
}

void Engine::take_faults() {
    for (const net::FlowFault& f : transport_.take_faults()) {
        if (f.modulo == 0 && !(f.flow & net::kConnectionFlow)) {  // one UAC call
            Call* c = table_.at(static_cast<uint32_t>(f.flow));
            if (c && c->state == CallState::kActive && uac_flow(*c) == f.flow)
                fail(*c, FailReason::kTransportError, f.detail);
            continue;
        }
        // A connection many calls share: every call on it.
        for (uint32_t i = 0; i < table_.capacity(); ++i) {
            Call* c = table_.at(i);
            if (!c) break;
            if (c->state != CallState::kActive) continue;
            const uint64_t flow = flow_of(*c);
            const bool hit =
                f.modulo ? !(flow & net::kConnectionFlow) && flow % f.modulo == f.flow : flow == f.flow;
            if (hit) fail(*c, FailReason::kTransportError, f.detail);
        }
    }
}

}  // namespace sipstorm::ua
