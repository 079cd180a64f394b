// The call engine's side of RTP media: a call of a program with media steps gets a stream from the
// shard's media engine when it begins, the peer's SDP tells the stream where to send, media steps
// act on it, and the call's end closes it. engine/media does the work.
#include <algorithm>

#include "sip/header_names.hpp"
#include "sip/lex.hpp"
#include "ua/engine.hpp"

namespace sipstorm::ua {

namespace {
media::CallRef ref(const Call& call) {
    return {call.index, call.generation};
}
}  // namespace

uint64_t Engine::next_deadline_ns() const {
    const uint64_t t = wheel_.next_deadline_ns();
    return media_ ? std::min(t, media_->next_deadline_ns()) : t;
}

int Engine::media_wait_fd() const {
    return media_ ? media_->wait_fd() : -1;
}

bool Engine::poll_media(uint64_t now_ns) {
    if (!media_ || media_->live_streams() == 0) return false;
    now_ns_ = now_ns;
    media_->poll(now_ns);
    media_->advance(now_ns);
    bool any = false;
    for (const media::CallRef& t : media_->take_timeouts()) {
        any = true;
        if (Call* c = table_.find(t.index, t.generation))
            fail(*c, FailReason::kOther, "media timeout (no RTP from the peer)");
    }
    // New digits: a call waiting at recv = "dtmf" for them goes on.
    for (const media::CallRef& t : media_->take_dtmf()) {
        Call* c = table_.find(t.index, t.generation);
        if (!c || c->state != CallState::kActive || c->wait != Wait::kRecv || c->pc >= program_.steps.size())
            continue;
        const Step& s = program_.steps[c->pc];
        if (!s.dtmf || !dtmf_heard(*c, s)) continue;
        any = true;
        c->wait = Wait::kNone;
        c->step_deadline = 0;
        if (!step_done(*c, c->pc, nullptr)) continue;
        run(*c, now_ns);
        if (c->state == CallState::kActive) rearm(*c);
    }
    return any;
}

bool Engine::dtmf_heard(const Call& call, const Step& s) const {
    return media_ && media_->dtmf_received(ref(call)).find(s.digits) != std::string_view::npos;
}

void Engine::media_begin(Call& call) {
    if (media_) media_->port_of(ref(call));
}

void Engine::media_on_message(Call& call, const sip::MessageView& msg, uint64_t now_ns) {
    if (msg.body.empty()) return;
    const sip::Header* ct = msg.find(sip::HeaderId::kContentType);
    if (!ct) return;
    const std::string_view type = sip::lex::trim_lws(ct->value.substr(0, ct->value.find(';')));
    if (sip::lex::iequals(type, "application/sdp")) media_->on_remote_sdp(ref(call), msg.body, now_ns);
}

void Engine::media_step(Call& call, const Step& s, uint64_t now_ns) {
    if (media_) media_->apply(ref(call), program_.media[static_cast<size_t>(s.media)], now_ns);
}

void Engine::media_end(Call& call) {
    if (media_) media_->end(ref(call));
}

uint16_t Engine::media_port(const Call& call) const {
    if (media_) return media_->port(ref(call));
    return static_cast<uint16_t>(10000 + 2 * (call.index % 25000));  // no stream: a port for the SDP only
}

uint8_t Engine::media_pt(const Call& call) const {
    return media_ ? media_->payload_type(ref(call)) : 0;
}

std::string_view Engine::variable(const Call& call, unsigned v) const {
    if (static_cast<int>(v) == program_.dtmf_var && media_) return media_->dtmf_received(ref(call));
    return call.field(var_base_ + v);
}

}  // namespace sipstorm::ua
