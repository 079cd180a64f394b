#include "ua/engine.hpp"

#include <algorithm>
#include <cmath>

#include "net/pcap_writer.hpp"
#include "script/scenario_state.hpp"
#include "sip/header_names.hpp"
#include "sip/method.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/scalars.hpp"
#include "sip/template_render.hpp"
#include "ua/call_id.hpp"
#include "ua/slots.hpp"
#include "ua/stateless.hpp"

namespace sipstorm::ua {

namespace {

constexpr uint16_t kNoTemplate = 0xffff;

uint64_t cookie_of(const Call& c) {
    return (static_cast<uint64_t>(c.generation) << 32) | c.index;
}

uint64_t earliest_nonzero(uint64_t a, uint64_t b) {
    if (a == 0) return b;
    if (b == 0) return a;
    return std::min(a, b);
}

bool code_matches(const Step& s, uint16_t code) {
    return code >= s.code_lo && code <= s.code_hi;
}

bool step_matches(const Step& s, const sip::MessageView& m) {
    if (s.recv_request != m.is_request) return false;
    if (m.is_request) {
        if (s.method != m.method) return false;
        return s.method != sip::Method::kUnknown;
    }
    return code_matches(s, m.status_code);
}

// A recv step may be passed over when a later one matches: optional ones, and ACKs, which are never
// answered and so may be lost on UDP (the BYE that follows proves the 2xx arrived).
bool skippable(const Step& s) {
    return s.optional || (s.recv_request && s.method == sip::Method::kAck);
}

std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
        v.remove_suffix(1);
    return v;
}

}  // namespace

Engine::Engine(const EngineConfig& config, const Program& program, net::Transport& transport,
               Recorder& recorder, script::ScenarioState* lua, uint64_t now_ns)
    : config_(config),
      program_(program),
      transport_(transport),
      rec_(recorder),
      lua_(lua),
      wheel_(config.max_calls + 16, runtime::TimerWheel::kDefaultTickNs, now_ns),
      table_(config.max_calls),
      rng_(config.seed * 0x9E3779B97F4A7C15ull + config.shard) {
    // Addresses as they stand in a URI or a Via: an IPv6 reference in brackets (RFC 3261 §25.1).
    auto uri_host = [](const net::Address& a) {
        return a.family == AF_INET6 ? "[" + a.ip_string() + "]" : a.ip_string();
    };
    const net::Address local = transport.local_address();
    local_ = local;
    local_ip_ = uri_host(local);
    local_port_ = std::to_string(local.port);
    if (config.remote.family != 0) {
        remote_ip_ = uri_host(config.remote);
        remote_port_ = std::to_string(config.remote.port);
        default_target_ = "sip:" + remote_ip_ + ":" + remote_port_;
    }
    format_hex(run_hex_, config.run_id, 8);
    for (const sip::Template& t : program.templates)
        for (const sip::Segment& s : t.segments)
            if (s.slot == sip::Slot::kLastHeader) {
                auto id = static_cast<sip::HeaderId>(s.arg);
                if (std::find(last_ids_.begin(), last_ids_.end(), id) == last_ids_.end() &&
                    last_ids_.size() + static_cast<size_t>(Field::kLast) < kMaxFields)
                    last_ids_.push_back(id);
            }
}

Engine::~Engine() = default;

uint32_t Engine::owner_of(const sip::MessageView& msg, std::string_view call_id) const {
    CallKey key;
    if (parse_call_key(call_id, key) && key.run_id == config_.run_id)
        return key.shard < config_.shards ? key.shard : 0;
    // A peer's call is owned by the shard that took its first request; every later request in the
    // dialog carries that shard's tag (ours is the call key) in To, its responses in From.
    const sip::Header* h = msg.find(msg.is_request ? sip::HeaderId::kTo : sip::HeaderId::kFrom);
    sip::NameAddr na;
    if (h && sip::parse_name_addr(h->value, na) == sip::FieldError::kOk && na.has_tag &&
        parse_call_key(na.tag, key) && key.run_id == config_.run_id)
        return key.shard < config_.shards ? key.shard : 0;
    return config_.shard;
}

// ---------------------------------------------------------------------------------------------
// Starting, running and ending calls

bool Engine::start_call(uint64_t intended_ns, uint64_t now_ns) {
    Call* c = table_.allocate();
    if (!c) return false;
    lane_ = 0;
    c->intended_start_ns = intended_ns;
    c->number = ++call_counter_;
    rec_.call_started(intended_ns, now_ns);
    run(*c, now_ns);
    return true;
}

void Engine::run(Call& call, uint64_t now_ns) {
    const auto& steps = program_.steps;
    while (call.state == CallState::kActive) {
        if (call.pc >= steps.size()) return finish(call, now_ns);
        const Step& s = steps[call.pc];
        switch (s.kind) {
            case StepKind::kSend:
                if (!send_step(call, s.template_index, now_ns)) return;
                if (s.hook >= 0 && !run_hook(call, s.hook, nullptr)) return;
                ++call.pc;
                break;
            case StepKind::kRecv: {
                call.wait = Wait::kRecv;
                uint64_t timeout = s.timeout_ms ? s.timeout_ms * 1'000'000ull : config_.recv_timeout_ns;
                call.step_deadline = timeout ? now_ns + timeout : 0;
                return rearm(call);
            }
            case StepKind::kPause: {
                const uint64_t pause = sample_pause_ns(s.pause);
                if (pause == 0) {  // nothing to wait for: don't pay a timer tick
                    if (s.hook >= 0 && !run_hook(call, s.hook, nullptr)) return;
                    ++call.pc;
                    break;
                }
                call.wait = Wait::kPause;
                call.step_deadline = now_ns + pause;
                return rearm(call);
            }
            case StepKind::kEnd:
                return finish(call, now_ns);
        }
    }
}

void Engine::finish(Call& call, uint64_t now_ns) {
    rec_.call_succeeded(call.intended_start_ns, now_ns);
    if (call.timer != runtime::kInvalidTimer) wheel_.cancel(call.timer);
    table_.release(call);
}

void Engine::fail(Call& call, FailReason reason, std::string_view detail, uint16_t code) {
    rec_.call_failed(reason, detail, code);
    if (call.timer != runtime::kInvalidTimer) wheel_.cancel(call.timer);
    table_.release(call);
}

void Engine::abort_all(uint64_t now_ns) {
    (void)now_ns;
    for (uint32_t i = 0; i < table_.capacity(); ++i) {
        Call* c = table_.at(i);
        if (!c) break;
        if (c->state == CallState::kActive) fail(*c, FailReason::kAborted, "aborted at the end of the run");
    }
}

bool Engine::run_hook(Call& call, int hook, const sip::MessageView* msg) {
    if (!lua_) return true;
    std::string error;
    if (lua_->run_hook(hook, msg, &error)) return true;
    fail(call, FailReason::kScriptError, error);
    return false;
}

uint64_t Engine::sample_pause_ns(const PauseSpec& p) {
    double ms = p.a_ms;
    switch (p.dist) {
        case Distribution::kFixed:
            break;
        case Distribution::kUniform:
            ms = p.a_ms + (p.b_ms - p.a_ms) * rng_.uniform();
            break;
        case Distribution::kExponential:
            ms = -p.a_ms * std::log1p(-rng_.uniform());
            break;
        case Distribution::kNormal:
        case Distribution::kLogNormal: {
            // Box-Muller; one value per draw is plenty for pauses.
            double u1 = 1.0 - rng_.uniform(), u2 = rng_.uniform();
            double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
            if (p.dist == Distribution::kNormal) {
                ms = p.a_ms + p.b_ms * z;
            } else {
                // a/b are the mean and standard deviation of the pause itself, not of its logarithm.
                double var = std::log1p((p.b_ms * p.b_ms) / (p.a_ms * p.a_ms));
                double mu = std::log(p.a_ms) - var / 2;
                ms = std::exp(mu + std::sqrt(var) * z);
            }
            break;
        }
    }
    return ms <= 0 ? 0 : static_cast<uint64_t>(ms * 1e6);
}

// ---------------------------------------------------------------------------------------------
// Sending

bool Engine::send_step(Call& call, uint16_t tpl_index, uint64_t now_ns) {
    const sip::Template& t = program_.templates[tpl_index];
    if (t.is_request) {
        uint32_t cseq;
        uint16_t branch;
        switch (t.method) {
            case sip::Method::kAck:  // for a 2xx: a transaction of its own (new branch), the INVITE's CSeq
                cseq = call.invite_cseq;
                branch = ++call.branch_seq;
                call.ack_tpl = tpl_index;
                call.ack_branch = branch;
                break;
            case sip::Method::kCancel:  // same branch and CSeq number as the INVITE it cancels
                cseq = call.invite_cseq;
                branch = call.invite_branch_seq;
                break;
            default:
                cseq = ++call.cseq;
                branch = ++call.branch_seq;
                if (t.method == sip::Method::kInvite) {
                    call.invite_cseq = cseq;
                    call.invite_branch_seq = branch;
                    call.invite_tpl = tpl_index;
                    call.flags &= static_cast<uint8_t>(~kFlagInviteAnswered);
                }
                break;
        }
        if (!transmit(call, tpl_index, cseq, branch, false)) return false;
        if (t.method != sip::Method::kAck) {
            call.last_request_tpl = tpl_index;
            call.request_cseq = cseq;
            call.request_branch = branch;
            call.client_method = t.method;
            // The first INVITE is timed from the call's intended start, so a late generator shows.
            call.request_sent_ns =
                (t.method == sip::Method::kInvite && call.cseq == 1) ? call.intended_start_ns : now_ns;
            call.ctxn.start(
                t.method == sip::Method::kInvite ? txn::TxnKind::kInvite : txn::TxnKind::kNonInvite,
                config_.timers, now_ns);
        }
        return true;
    }
    // A response to the request the server transaction holds.
    if (call.stxn.active()) {
        txn::Outcome o = call.stxn.on_send_response(t.status_code, now_ns);
        if (o.has(txn::kAbsorb)) return true;  // that transaction already has its final answer
    }
    if (!transmit(call, tpl_index, 0, 0, false)) return false;
    call.last_response_tpl = tpl_index;
    if (call.server_method == sip::Method::kInvite && t.status_code >= 200 && t.status_code < 300)
        call.retx2xx.start(config_.timers, now_ns);
    return true;
}

bool Engine::transmit(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch, bool retransmission) {
    const sip::Template& t = program_.templates[tpl_index];
    net::TxPacket* pkt = transport_.alloc_tx();
    if (!pkt) {
        transport_.flush();
        pkt = transport_.alloc_tx();
    }
    if (!pkt) {
        fail(call, FailReason::kTransportError, "transmit buffer full");
        return false;
    }
    CallSlots slots{*this, call, cseq, branch, {}};
    size_t n = sip::render(t, slots, pkt->data, net::kMaxDatagram);
    if (n == 0) {
        pkt->len = 0;  // the transport skips empty packets
        fail(call, FailReason::kOther, "message does not fit in a datagram");
        return false;
    }
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = program_.role == Role::kUac ? config_.remote : call.peer;
    pkt->lane = lane_++;
    trace_tx(*pkt);
    rec_.message_out(t.is_request, t.method, t.status_code, retransmission);
    return true;
}

// RFC 3261 §17.1.1.3: the ACK for a non-2xx final response belongs to the INVITE transaction: the
// INVITE's Request-URI, top Via, From, Call-ID and Route, the response's To, CSeq number + ACK.
void Engine::send_ack_for_failure(Call& call, const sip::MessageView& response) {
    if (call.invite_tpl == kNoTemplate) return;
    CallSlots slots{*this, call, call.invite_cseq, call.invite_branch_seq, {}};
    size_t n = sip::render(program_.templates[call.invite_tpl], slots, scratch_, sizeof(scratch_));
    if (n == 0 || !sip::parse(std::string_view(scratch_, n), scratch_msg_).ok()) return;
    net::TxPacket* pkt = transport_.alloc_tx();
    if (!pkt) {
        transport_.flush();
        if (!(pkt = transport_.alloc_tx())) return;
    }
    size_t len =
        build_ack_for_failure(scratch_msg_, response, call.invite_cseq, pkt->data, net::kMaxDatagram);
    pkt->len = static_cast<uint32_t>(len);
    pkt->to = program_.role == Role::kUac ? config_.remote : call.peer;
    pkt->lane = lane_++;
    if (len) {
        trace_tx(*pkt);
        rec_.message_out(true, sip::Method::kAck, 0, false);
    }
}

// ---------------------------------------------------------------------------------------------
// Receiving

int Engine::on_packet(const net::RxPacket& packet, uint64_t now_ns, bool may_hand_over) {
    if (trace_ && may_hand_over)
        trace_->write(packet.from, local_, std::string_view(packet.data, packet.len));
    sip::ParseResult r = sip::parse(std::string_view(packet.data, packet.len), msg_);
    if (!r.ok()) {
        rec_.parse_error();
        return -1;
    }
    const sip::Header* cid = msg_.find(sip::HeaderId::kCallId);
    if (!cid) {
        rec_.parse_error();
        return -1;
    }
    std::string_view call_id = trim(cid->value);
    lane_ = 0;
    if (may_hand_over && config_.shards > 1) {
        uint32_t owner = owner_of(msg_, call_id);
        if (owner != config_.shard) return static_cast<int>(owner);
    }
    rec_.message_in(msg_.is_request, msg_.method, msg_.status_code);
    Call* call = lookup(msg_, call_id);
    if (!call) {
        if (msg_.is_request) call = accept_new_call(msg_, call_id, packet.from, now_ns);
        if (!call) return -1;
    }
    if (msg_.is_request)
        on_request(*call, msg_, packet.from, now_ns);
    else
        on_response(*call, msg_, now_ns);
    return -1;
}

Call* Engine::lookup(const sip::MessageView&, std::string_view call_id) {
    CallKey key;
    if (parse_call_key(call_id, key) && key.run_id == config_.run_id)
        return key.shard == config_.shard ? table_.find(key.index, key.generation) : nullptr;
    return table_.find_by_call_id(call_id);
}

Call* Engine::accept_new_call(const sip::MessageView& msg, std::string_view call_id, const net::Address& from,
                              uint64_t now_ns) {
    const auto& steps = program_.steps;
    bool opens_call = program_.role == Role::kUas && !steps.empty() && steps[0].kind == StepKind::kRecv &&
                      step_matches(steps[0], msg);
    if (opens_call) {
        // A request inside a dialog (it has a To tag) never opens a call: it is for one we forgot.
        sip::NameAddr to;
        const sip::Header* h = msg.find(sip::HeaderId::kTo);
        if (h && sip::parse_name_addr(h->value, to) == sip::FieldError::kOk && to.has_tag) opens_call = false;
    }
    if (!opens_call) {
        if (msg.method != sip::Method::kAck) {
            rec_.unknown_call();
            // A BYE for a call we ended already was answered once and the answer was lost: say 200
            // again. Anything else: 481 Call/Transaction Does Not Exist.
            answer_statelessly(msg, from, msg.method == sip::Method::kBye ? 200 : 481);
        }
        return nullptr;
    }
    Call* c = table_.allocate();
    if (!c) {
        answer_statelessly(msg, from, 503);  // full: the peer may try again later
        return nullptr;
    }
    c->peer = from;
    c->number = ++call_counter_;
    c->intended_start_ns = now_ns;
    if (!store_field(*c, static_cast<unsigned>(Field::kCallId), call_id)) {
        table_.release(*c);
        return nullptr;
    }
    table_.index_call_id(*c);
    rec_.call_started(now_ns, now_ns);
    run(*c, now_ns);  // to its first recv step, which this request answers
    return c;
}

void Engine::answer_statelessly(const sip::MessageView& msg, const net::Address& to, uint16_t code) {
    net::TxPacket* pkt = transport_.alloc_tx();
    if (!pkt) return;
    size_t n = build_stateless_response(msg, code, pkt->data, net::kMaxDatagram);
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = to;
    if (n) {
        trace_tx(*pkt);
        rec_.message_out(false, sip::Method::kUnknown, code, false);
    }
}

void Engine::trace_tx(const net::TxPacket& p) {
    if (trace_) trace_->write(local_, p.to, std::string_view(p.data, p.len));
}

void Engine::on_response(Call& call, const sip::MessageView& msg, uint64_t now_ns) {
    const sip::Header* h = msg.find(sip::HeaderId::kCSeq);
    sip::CSeq cseq;
    if (!h || sip::parse_cseq(h->value, cseq) != sip::FieldError::kOk) {
        rec_.parse_error();
        return;
    }
    const uint16_t code = msg.status_code;
    if (call.ctxn.active() && cseq.method == call.client_method && cseq.number == call.request_cseq) {
        txn::Outcome o = call.ctxn.on_response(code, now_ns);
        if (o.has(txn::kSendAck)) send_ack_for_failure(call, msg);
        if (!o.has(txn::kDeliver)) {
            rec_.retransmission_in();
            return rearm(call);
        }
    } else if (cseq.method == sip::Method::kInvite && cseq.number == call.invite_cseq && code >= 200) {
        if (code < 300 && (call.flags & kFlagInviteAnswered)) {
            // The 2xx again: our ACK was lost. The dialog, not a transaction, answers it.
            if (call.ack_tpl != kNoTemplate)
                transmit(call, call.ack_tpl, call.invite_cseq, call.ack_branch, true);
            rec_.retransmission_in();
            return;
        }
        // A final response to an INVITE whose transaction we no longer hold (a CANCEL took its place):
        // a first 2xx goes to the scenario (which ACKs it); a non-2xx is ACKed here.
        if (code >= 300) send_ack_for_failure(call, msg);
        if (call.flags & kFlagInviteAnswered) {
            rec_.retransmission_in();
            return;
        }
    } else if (code < 200 || cseq.number != call.request_cseq) {
        rec_.retransmission_in();  // a late provisional, or a response to a transaction long gone
        return;
    }

    if (cseq.method == sip::Method::kInvite) {
        if (code >= 200) call.flags |= kFlagInviteAnswered;
        if (code >= 200 && code < 300 && !(call.flags & kFlagSetupDone)) {
            call.flags |= kFlagSetupDone;
            rec_.call_setup(now_ns - call.intended_start_ns);
        }
        if (code > 100 && code < 300 && !capture_dialog_from_response(call, msg))
            return fail_arena_full(call);
    }
    if (code >= 200 && cseq.method == call.client_method)
        rec_.response_time(cseq.method, now_ns - call.request_sent_ns);
    if (!save_last_headers(call, msg)) return fail_arena_full(call);
    deliver(call, msg, now_ns);
}

void Engine::on_request(Call& call, const sip::MessageView& msg, const net::Address& from, uint64_t now_ns) {
    const sip::Header* h = msg.find(sip::HeaderId::kCSeq);
    sip::CSeq cseq;
    if (!h || sip::parse_cseq(h->value, cseq) != sip::FieldError::kOk) {
        rec_.parse_error();
        return;
    }
    if (msg.method == sip::Method::kAck) {
        if (call.stxn.active() && call.stxn.kind() == txn::TxnKind::kInvite &&
            cseq.number == call.server_cseq && call.stxn.state() >= txn::State::kCompleted) {
            // The ACK of a non-2xx belongs to the transaction; a scenario that waits for it
            // ("send 486, recv ACK") still sees it, once.
            const bool first = call.stxn.state() == txn::State::kCompleted;
            call.stxn.on_ack(now_ns);
            if (!first || !(call.wait == Wait::kRecv && call.pc < program_.steps.size() &&
                            step_matches(program_.steps[call.pc], msg)))
                return rearm(call);
            return deliver(call, msg, now_ns);
        }
        if (call.retx2xx.active()) {
            call.retx2xx.on_ack(now_ns);
            rearm(call);
        } else if (!(call.wait == Wait::kRecv && call.pc < program_.steps.size() &&
                     step_matches(program_.steps[call.pc], msg))) {
            rec_.retransmission_in();  // a repeated ACK for a 2xx we already have the ACK of
            return;
        }
        if (!save_last_headers(call, msg)) return fail_arena_full(call);
        return deliver(call, msg, now_ns);
    }
    if (msg.method == call.server_method && cseq.number == call.server_cseq) {
        // The same request again: the transaction (or, for an answered INVITE, the core) answers.
        txn::Outcome o = call.stxn.active() ? call.stxn.on_request_retransmission(now_ns)
                                            : call.retx2xx.on_request_retransmission(now_ns);
        rec_.retransmission_in();
        if (o.has(txn::kResendLastResponse) && call.last_response_tpl != kNoTemplate)
            transmit(call, call.last_response_tpl, 0, 0, true);
        return rearm(call);
    }
    if (call.retx2xx.active()) call.retx2xx.on_ack(now_ns);  // a new request proves the 2xx arrived
    call.stxn.start(msg.method == sip::Method::kInvite ? txn::TxnKind::kInvite : txn::TxnKind::kNonInvite,
                    config_.timers, now_ns);
    call.server_method = msg.method;
    call.server_cseq = cseq.number;
    call.peer = from;
    if (msg.method == sip::Method::kInvite && !call.has_field(static_cast<unsigned>(Field::kRemoteTag)) &&
        !capture_dialog_from_request(call, msg))
        return fail_arena_full(call);
    if (!save_last_headers(call, msg)) return fail_arena_full(call);
    deliver(call, msg, now_ns);
}

void Engine::deliver(Call& call, const sip::MessageView& msg, uint64_t now_ns) {
    const auto& steps = program_.steps;
    if (call.wait == Wait::kRecv) {
        for (size_t j = call.pc; j < steps.size() && steps[j].kind == StepKind::kRecv; ++j) {
            if (step_matches(steps[j], msg)) {
                call.pc = static_cast<uint16_t>(j + 1);
                call.wait = Wait::kNone;
                call.step_deadline = 0;
                if (steps[j].hook >= 0 && !run_hook(call, steps[j].hook, &msg)) return;
                run(call, now_ns);
                if (call.state == CallState::kActive) rearm(call);
                return;
            }
            if (!skippable(steps[j])) break;
        }
    }
    if (!msg.is_request && msg.status_code < 200) return rearm(call);  // an unasked-for provisional
    FailReason reason = !msg.is_request && msg.status_code >= 300 ? FailReason::kFinalResponse
                                                                  : FailReason::kUnexpectedMessage;
    fail(call, reason, describe(msg), msg.is_request ? 0 : msg.status_code);
}

std::string_view Engine::describe(const sip::MessageView& msg) {
    int n;
    if (msg.is_request)
        n = snprintf(describe_buf_, sizeof(describe_buf_), "unexpected %.*s",
                     static_cast<int>(msg.method_text.size()), msg.method_text.data());
    else
        n = snprintf(describe_buf_, sizeof(describe_buf_), "unexpected %u response", msg.status_code);
    return std::string_view(describe_buf_,
                            static_cast<size_t>(std::clamp(n, 0, int(sizeof(describe_buf_) - 1))));
}

// ---------------------------------------------------------------------------------------------
// Timers

void Engine::advance(uint64_t now_ns) {
    wheel_.advance(now_ns, [&](uint64_t cookie) { on_timer(cookie, now_ns); });
}

void Engine::rearm(Call& call) {
    if (call.state != CallState::kActive) return;
    uint64_t at = earliest_nonzero(call.ctxn.active() ? call.ctxn.deadline_ns() : 0,
                                   call.stxn.active() ? call.stxn.deadline_ns() : 0);
    at = earliest_nonzero(at, call.retx2xx.active() ? call.retx2xx.deadline_ns() : 0);
    at = earliest_nonzero(at, call.step_deadline);
    if (call.timer != runtime::kInvalidTimer) {
        if (at == call.timer_at) return;
        wheel_.cancel(call.timer);
        call.timer = runtime::kInvalidTimer;
    }
    if (at == 0) return;
    call.timer = wheel_.schedule(at, cookie_of(call));
    call.timer_at = at;
}

void Engine::on_timer(uint64_t cookie, uint64_t now_ns) {
    Call* c = table_.find(static_cast<uint32_t>(cookie), static_cast<uint32_t>(cookie >> 32));
    if (!c) return;
    Call& call = *c;
    call.timer = runtime::kInvalidTimer;
    lane_ = 0;
    if (call.ctxn.active() && call.ctxn.deadline_ns() && call.ctxn.deadline_ns() <= now_ns) {
        txn::Outcome o = call.ctxn.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && call.last_request_tpl != kNoTemplate &&
            !transmit(call, call.last_request_tpl, call.request_cseq, call.request_branch, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    if (call.stxn.active() && call.stxn.deadline_ns() && call.stxn.deadline_ns() <= now_ns) {
        txn::Outcome o = call.stxn.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && call.last_response_tpl != kNoTemplate &&
            !transmit(call, call.last_response_tpl, 0, 0, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    if (call.retx2xx.active() && call.retx2xx.deadline_ns() <= now_ns) {
        txn::Outcome o = call.retx2xx.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && call.last_response_tpl != kNoTemplate &&
            !transmit(call, call.last_response_tpl, 0, 0, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    if (call.step_deadline && call.step_deadline <= now_ns) {
        call.step_deadline = 0;
        if (call.wait == Wait::kPause) {
            call.wait = Wait::kNone;
            const Step& s = program_.steps[call.pc];
            if (s.hook >= 0 && !run_hook(call, s.hook, nullptr)) return;
            ++call.pc;
            run(call, now_ns);
        } else if (call.wait == Wait::kRecv) {
            return fail(call, FailReason::kTimeout, "recv step timed out");
        }
    }
    rearm(call);
}

// ---------------------------------------------------------------------------------------------
// What a call keeps of the messages it receives

bool Engine::store_field(Call& call, unsigned field, std::string_view value) {
    // Dialog fields sit before the "last" region, which is rewritten for every message anyway, so a
    // dialog field is appended where that region starts and the region is dropped.
    const size_t at = call.last_start;
    if (at + value.size() > kArenaBytes) return false;
    std::memcpy(call.arena + at, value.data(), value.size());
    call.fields[field] = {static_cast<uint16_t>(at), static_cast<uint16_t>(value.size())};
    call.last_start = call.arena_used = static_cast<uint16_t>(at + value.size());
    for (size_t i = static_cast<size_t>(Field::kLast); i < kMaxFields; ++i) call.fields[i] = {};
    return true;
}

void Engine::fail_arena_full(Call& call) {
    fail(call, FailReason::kOther,
         "dialog state does not fit the call (long Record-Route or ${last_*} headers)");
}

bool Engine::capture_dialog_from_response(Call& call, const sip::MessageView& msg) {
    const bool have_tag = call.has_field(static_cast<unsigned>(Field::kRemoteTag));
    if (have_tag && msg.status_code < 200) return true;
    sip::NameAddr na;
    if (const sip::Header* to = msg.find(sip::HeaderId::kTo);
        !have_tag && to && sip::parse_name_addr(to->value, na) == sip::FieldError::kOk && na.has_tag &&
        !store_field(call, static_cast<unsigned>(Field::kRemoteTag), na.tag))
        return false;
    // The target and route set come from the first 2xx (a re-INVITE may change the target only);
    // the UAC's route set is the Record-Route list in reverse (RFC 3261 §12.1.2).
    if (msg.status_code < 200 || call.has_field(static_cast<unsigned>(Field::kRemoteTarget))) return true;
    return capture_target_and_routes(call, msg, /*reverse=*/true);
}

bool Engine::capture_dialog_from_request(Call& call, const sip::MessageView& msg) {
    sip::NameAddr na;
    if (const sip::Header* from = msg.find(sip::HeaderId::kFrom);
        from && sip::parse_name_addr(from->value, na) == sip::FieldError::kOk && na.has_tag &&
        !store_field(call, static_cast<unsigned>(Field::kRemoteTag), na.tag))
        return false;
    return capture_target_and_routes(call, msg, /*reverse=*/false);
}

bool Engine::capture_target_and_routes(Call& call, const sip::MessageView& msg, bool reverse) {
    sip::NameAddr na;
    if (const sip::Header* ct = msg.find(sip::HeaderId::kContact);
        ct && sip::parse_name_addr(ct->value, na) == sip::FieldError::kOk && !na.star &&
        !store_field(call, static_cast<unsigned>(Field::kRemoteTarget), na.uri))
        return false;
    if (!msg.find(sip::HeaderId::kRecordRoute)) return true;
    char routes[kArenaBytes];
    size_t len = render_route_set(msg, reverse, routes, sizeof(routes));
    return len && store_field(call, static_cast<unsigned>(Field::kRoutes), std::string_view(routes, len));
}

bool Engine::save_last_headers(Call& call, const sip::MessageView& msg) {
    if (last_ids_.empty()) return true;
    call.arena_used = call.last_start;
    for (size_t i = 0; i < last_ids_.size(); ++i) {
        char* out = call.arena + call.arena_used;
        size_t room = kArenaBytes - call.arena_used;
        size_t n = render_header_lines(msg, last_ids_[i], out, room);
        if (n == 0 && msg.find(last_ids_[i])) return false;  // present but too long to keep
        call.fields[static_cast<size_t>(Field::kLast) + i] = {call.arena_used, static_cast<uint16_t>(n)};
        call.arena_used = static_cast<uint16_t>(call.arena_used + n);
    }
    return true;
}

}  // namespace sipstorm::ua
