#include "ua/engine.hpp"

#include <algorithm>
#include <cmath>

#include "auth/authorization.hpp"
#include "auth/challenge.hpp"
#include "auth/verify.hpp"
#include "data/injection_cursor.hpp"
#include "data/injection_set.hpp"
#include "sip/digest.hpp"

#include "net/pcap_writer.hpp"
#include "script/scenario_state.hpp"
#include "sip/header_names.hpp"
#include "sip/lex.hpp"
#include "sip/method.hpp"
#include "sip/name_addr.hpp"
#include "sip/parser.hpp"
#include "sip/scalars.hpp"
#include "sip/template_render.hpp"
#include "ua/call_id.hpp"
#include "ua/call_vars.hpp"
#include "ua/refusal.hpp"
#include "ua/slots.hpp"
#include "ua/stateless.hpp"
#include "ua/via_received.hpp"

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

// A recv step may be passed over when a later one matches: optional ones, and ACKs, which are never
// answered and so may be lost on UDP (the BYE that follows proves the 2xx arrived).
bool skippable(const Step& s) {
    if (s.optional) return true;
    if (s.dtmf) return false;  // no message passes over digits the call waits for
    for (const RecvMatch& r : s.matches)
        if (!r.request || r.method != sip::Method::kAck) return false;
    return true;
}

// Requests whose 2xx creates a dialog (RFC 3261 §12.1, RFC 6665 §4.1.2.1, RFC 3515 §2.4.4).
bool creates_dialog(sip::Method m) {
    return m == sip::Method::kInvite || m == sip::Method::kSubscribe || m == sip::Method::kRefer;
}

// The bytes of a parsed message: its start line begins with the method (request) or "SIP/2.0".
std::string_view raw_of(const sip::MessageView& m) {
    const char* start = m.is_request ? m.method_text.data() : m.version.data();
    return std::string_view(start, m.size);
}

bool regex_search(const regex_t& re, std::string_view text, regmatch_t* match, size_t groups) {
    match[0].rm_so = 0;
    match[0].rm_eo = static_cast<regoff_t>(text.size());
    // REG_STARTEND: the text is a view into a packet buffer, not NUL-terminated.
    return regexec(&re, text.data() ? text.data() : "", groups, match, REG_STARTEND) == 0;
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
      table_(config.max_calls, arena_extra_for(program)),
      ended_invites_(program.role == Role::kUas ? config.max_calls : 0),
      now_ns_(now_ns),
      rng_(config.seed * 0x9E3779B97F4A7C15ull + config.shard) {
    // Addresses as they stand in a URI or a Via: an IPv6 reference in brackets (RFC 3261 §25.1).
    auto uri_host = [](const net::Address& a) {
        return a.family == AF_INET6 ? "[" + a.ip_string() + "]" : a.ip_string();
    };
    const net::Address local = transport.local_address();
    local_ = local;
    stream_ = transport.reliable();
    config_.timers.reliable = stream_;  // RFC 3261 §17: no retransmissions, no wait states
    via_transport_ = transport.via_name();
    local_ip_ = uri_host(local);
    local_port_ = std::to_string(local.port);
    if (config.remote.family != 0) {
        remote_ip_ = uri_host(config.remote);
        remote_port_ = std::to_string(config.remote.port);
        default_target_ = "sip:" + remote_ip_ + ":" + remote_port_;
    }
    format_hex(run_hex_, config.run_id, 8);
    started_ns_ = now_ns;
    if (!program.fills.empty()) fill_buf_.reserve(net::kMaxDatagram);
    for (const sip::Template& t : program.templates)
        for (const sip::Segment& s : t.segments) {
            auto* ids = s.slot == sip::Slot::kLastHeader     ? &last_ids_
                        : s.slot == sip::Slot::kInviteHeader ? &invite_ids_
                                                             : nullptr;
            auto id = static_cast<sip::HeaderId>(s.arg);
            if (ids && std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
            uses_auth_ = uses_auth_ || s.slot == sip::Slot::kAuth;
        }
    // The compiler keeps variables + ${invite_*} + ${last_*} within kMaxFields (its limits() check).
    var_base_ = static_cast<unsigned>(Field::kDialogCount);
    invite_base_ = var_base_ + static_cast<unsigned>(program.variables.size());
    last_base_ = invite_base_ + static_cast<unsigned>(invite_ids_.size());
    while (last_base_ + last_ids_.size() > kMaxFields) last_ids_.pop_back();
    if (program.injection)
        for (size_t i = 0; i < program.injection->size() && i < kMaxInjectionFiles; ++i)
            cursors_.emplace_back(program.injection->file(i), config.slices ? config.slice : config.shard,
                                  config.slices ? config.slices : config.shards, config.seed);
    regexes_.resize(program.regexes.size());
    for (size_t i = 0; i < program.regexes.size(); ++i)
        regcomp(&regexes_[i], program.regexes[i].c_str(),  // checked by the compiler
                REG_EXTENDED | (i < program.regex_icase.size() && program.regex_icase[i] ? REG_ICASE : 0));
    if (program.has_media()) {
        media::MediaConfig mc = config.media;
        mc.shard = config.shard;
        mc.shards = config.shards;
        mc.local = local;
        mc.seed = config.seed;
        media_ = std::make_unique<media::MediaEngine>(mc, config.stats);
    }
}

// Copies of received headers (${last_*}, ${invite_*}: a request through a proxy or two carries
// several Vias and Record-Routes), variables and challenges need room beyond the basic UAC call's
// arena; that call keeps its 1 KiB slot.
size_t Engine::arena_extra_for(const Program& program) {
    size_t extra = program.variables.size() * 64;
    bool last = false;
    for (const sip::Template& t : program.templates)
        for (const sip::Segment& s : t.segments) {
            last = last || s.slot == sip::Slot::kLastHeader;
            if (s.slot == sip::Slot::kInviteHeader || s.slot == sip::Slot::kAuth ||
                s.slot == sip::Slot::kChallenge)
                extra += 128;
        }
    if (last) extra += 512;
    return std::min(extra, kMaxArenaBytes - kArenaBytes);
}

Engine::~Engine() {
    for (regex_t& r : regexes_) regfree(&r);
}

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
    now_ns_ = now_ns;
    Call* c = table_.allocate();
    if (!c) return false;
    lane_ = 0;
    c->intended_start_ns = intended_ns;
    begin_call(*c);
    if (stream_) begin_flow(*c);
    rec_.call_started(intended_ns, now_ns);
    run(*c, now_ns);
    return true;
}

void Engine::begin_call(Call& call) {
    call.number = ++call_counter_;
    media_begin(call);
    // Call numbers are per shard; USER-mode rows want one numbering for the whole run.
    const uint64_t global = config_.slices
                                ? static_cast<uint64_t>(call.number - 1) * config_.slices + config_.slice
                                : static_cast<uint64_t>(call.number - 1) * config_.shards + config_.shard;
    for (size_t i = 0; i < cursors_.size(); ++i) call.rows[i] = cursors_[i].for_call(global).index;
}

void Engine::run(Call& call, uint64_t now_ns) {
    const auto& steps = program_.steps;
    // Steps that don't wait (send, jump, label) run in a row; a scenario that jumps around without
    // ever waiting would spin here for ever.
    for (int budget = 10'000; call.state == CallState::kActive; --budget) {
        if (budget == 0) return fail(call, FailReason::kScenario, "the scenario loops without waiting");
        if (call.pc >= steps.size()) return finish(call, now_ns);
        const Step& s = steps[call.pc];
        switch (s.kind) {
            case StepKind::kSend:
                lose_next_ = s.lost > 0 && rng_.uniform() < s.lost;
                if (!send_step(call, s.template_index, now_ns)) return;
                if (!step_done(call, call.pc, nullptr)) return;
                break;
            case StepKind::kRecv: {
                if (s.dtmf && dtmf_heard(call, s)) {  // the digits came before the step
                    if (!step_done(call, call.pc, nullptr)) return;
                    break;
                }
                call.wait = Wait::kRecv;
                uint64_t timeout = s.timeout_ms ? s.timeout_ms * 1'000'000ull : config_.recv_timeout_ns;
                call.step_deadline = timeout ? now_ns + timeout : 0;
                return rearm(call);
            }
            case StepKind::kPause: {
                const uint64_t pause =
                    s.pause.var >= 0 ? static_cast<uint64_t>(std::max(
                                           0.0, parse_number(call.field(var_base_ + s.pause.var)) * 1e6))
                                     : sample_pause_ns(s.pause);
                if (pause == 0) {  // nothing to wait for: don't pay a timer tick
                    if (!step_done(call, call.pc, nullptr)) return;
                    break;
                }
                call.wait = Wait::kPause;
                call.step_deadline = now_ns + pause;
                return rearm(call);
            }
            case StepKind::kJump:
                call.pc = static_cast<uint16_t>(jump_taken(call, s) ? s.next : call.pc + 1);
                break;
            case StepKind::kNop:
                if (!step_done(call, call.pc, nullptr)) return;
                break;
            case StepKind::kMedia:
                media_step(call, s, now_ns);
                if (!step_done(call, call.pc, nullptr)) return;
                break;
            case StepKind::kFail:
                return fail(call, FailReason::kScenario, s.text);
            case StepKind::kEnd:
                return finish(call, now_ns);
        }
    }
}

bool Engine::step_done(Call& call, size_t at, const sip::MessageView* msg) {
    const Step& s = program_.steps[at];
    int next = s.next >= 0 ? s.next : static_cast<int>(at + 1);
    bool jumped = false;
    if (s.counter >= 0 || s.timer_start >= 0 || s.timer_stop >= 0) {
        step_marks(call, s);
        if (call.state != CallState::kActive) return false;
    }
    if (!s.ops.empty()) {  // before test=, which may read what they set (as in SIPp)
        CallVars vars(*this, call, msg);
        const OpsOutcome o = run_var_ops(s.ops, vars);
        if (o.kind == OpsOutcome::kJump) {
            next = o.target;
            jumped = true;
        }
        if (o.kind == OpsOutcome::kFail) fail(call, FailReason::kScenario, o.reason);
        if (o.kind == OpsOutcome::kArenaFull) fail_arena_full(call);
        if (o.kind == OpsOutcome::kStop) {
            call.pc = static_cast<uint16_t>(program_.steps.size());  // run() then finishes the call
            return true;
        }
        if (o.kind == OpsOutcome::kFail || o.kind == OpsOutcome::kArenaFull) return false;
    }
    if (!jumped && s.next >= 0 &&
        ((s.next_test >= 0 && !var_is_set(call.field(var_base_ + s.next_test))) ||
         (s.next_chance < 1.0f && rng_.uniform() >= s.next_chance)))
        next = static_cast<int>(at + 1);
    if (s.hook >= 0 && lua_) {
        std::string error;
        std::string_view jump;
        CallVars vars(*this, call, msg);
        if (!lua_->run_hook(s.hook, msg, &error, &jump, &vars)) {
            fail(call, FailReason::kScriptError, error);
            return false;
        }
        if (!jump.empty()) {
            auto it = program_.labels.find(jump);
            if (it == program_.labels.end()) {
                fail(call, FailReason::kScriptError, "a hook returned a label that does not exist");
                return false;
            }
            next = it->second;
        }
    }
    call.pc = static_cast<uint16_t>(next);
    return true;
}

bool Engine::jump_taken(const Call& call, const Step& s) const {
    const std::string_view v = variable(call, s.var);
    switch (s.when) {
        case Condition::kAlways:
            return true;
        case Condition::kEquals:
            return v == s.text;
        case Condition::kNotEquals:
            return v != s.text;
        case Condition::kEmpty:
            return v.empty();
        case Condition::kNotEmpty:
            return !v.empty();
        case Condition::kMatches: {
            regmatch_t m[1];
            return regex_search(regexes_[static_cast<size_t>(s.regex)], v, m, 1);
        }
    }
    return false;
}

void Engine::finish(Call& call, uint64_t now_ns) {
    rec_.call_succeeded(call.intended_start_ns, now_ns);
    release(call);
}

void Engine::fail(Call& call, FailReason reason, std::string_view detail, uint16_t code) {
    if (config_.bye_on_abort && program_.role == Role::kUac && reason != FailReason::kTransportError &&
        !peer_ended_)
        abandon(call);
    rec_.call_failed(reason, detail, code);
    release(call);
}

void Engine::release(Call& call) {
    media_end(call);
    if (stream_) end_flow(call);
    if (call.timer != runtime::kInvalidTimer) wheel_.cancel(call.timer);
    // A UAS call that answered its INVITE: the caller may retransmit that INVITE until its Timer B
    // (64*T1 after it reached us, which is when the call started here).
    const ServerSide& invite = call.server[side_of(sip::Method::kInvite)];
    const unsigned cid = static_cast<unsigned>(Field::kCallId);
    if (program_.role == Role::kUas && invite.method == sip::Method::kInvite &&
        invite.response_tpl != 0xffff && call.has_field(cid)) {
        const uint16_t code = program_.templates[invite.response_tpl].status_code;
        if (code >= 200)
            ended_invites_.remember({EndedInvites::invite_key(call.field(cid), invite.cseq),
                                     call.intended_start_ns + txn::timer_b_ms(config_.timers) * txn::kNsPerMs,
                                     call.index, call.generation, code});
    }
    table_.release(call);
}

// An INVITE for a UAS call that has ended: its retransmission gets the final response again (a
// non-2xx, whose ACK it may have lost) or is absorbed (after a 2xx), and it is not a new call.
bool Engine::answer_ended_invite(const sip::MessageView& msg, std::string_view call_id,
                                 const net::Address& from, uint64_t now_ns) {
    const sip::Header* h = msg.find(sip::HeaderId::kCSeq);
    sip::CSeq cseq;
    if (!h || sip::parse_cseq(h->value, cseq) != sip::FieldError::kOk) return false;
    const EndedInvites::Entry* e =
        ended_invites_.find(EndedInvites::invite_key(call_id, cseq.number), now_ns);
    if (!e) return false;
    rec_.retransmission_in();
    char tag[kCallKeyLength];
    format_call_key(tag, {config_.run_id, config_.shard, e->index, e->generation});
    // A CANCEL again gets its 200 again (its own transaction, §17.2.2); an INVITE its final answer.
    if (msg.method == sip::Method::kCancel)
        answer_statelessly(msg, from, 200, std::string_view(tag, kCallKeyLength));
    else if (e->code >= 300)
        answer_statelessly(msg, from, e->code, std::string_view(tag, kCallKeyLength));
    return true;
}

void Engine::abort_all(uint64_t now_ns) {
    (void)now_ns;
    for (uint32_t i = 0; i < table_.capacity(); ++i) {
        Call* c = table_.at(i);
        if (!c) break;
        if (c->state == CallState::kActive) fail(*c, FailReason::kAborted, "aborted at the end of the run");
    }
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
        const ClientSide& invite = call.client[0];
        uint32_t cseq;
        uint16_t branch;
        switch (t.method) {
            case sip::Method::kAck:  // for a 2xx: a transaction of its own (new branch), the INVITE's CSeq
                cseq = invite.cseq;
                branch = ++call.branch_seq;
                call.ack_tpl = tpl_index;
                call.ack_branch = branch;
                break;
            case sip::Method::kCancel:  // same branch and CSeq number as the INVITE it cancels
                cseq = invite.cseq;
                branch = invite.branch;
                break;
            default:
                cseq = ++call.cseq;
                branch = ++call.branch_seq;
                if (t.method == sip::Method::kInvite)
                    call.flags &= static_cast<uint8_t>(~kFlagInviteAnswered);
                break;
        }
        if (!transmit(call, tpl_index, cseq, branch, false)) return false;
        if (t.method != sip::Method::kAck) {
            // A challenge to a request that carried credentials rejects them; to one without, it
            // asks for them (on_challenge).
            call.flags = static_cast<uint8_t>(t.has_auth && auth_len_ ? call.flags | kFlagAuthSent
                                                                      : call.flags & ~kFlagAuthSent);
            ClientSide& cs = call.client[side_of(t.method)];
            cs.tpl = tpl_index;
            cs.cseq = cseq;
            cs.branch = branch;
            cs.method = t.method;
            // The first INVITE is timed from the call's intended start, so a late generator shows.
            cs.sent_ns =
                (t.method == sip::Method::kInvite && call.cseq == 1) ? call.intended_start_ns : now_ns;
            cs.txn.start(t.method == sip::Method::kInvite ? txn::TxnKind::kInvite : txn::TxnKind::kNonInvite,
                         config_.timers, now_ns);
        }
        return true;
    }
    // A response answers the newest request still owed a final one: the 200 for a CANCEL, PRACK or
    // UPDATE before the INVITE's own final response (RFC 3261 §9.2, RFC 3262).
    ServerSide* ss = awaiting_final(call.server[1])   ? &call.server[1]
                     : awaiting_final(call.server[0]) ? &call.server[0]
                     : call.server[1].txn.active()    ? &call.server[1]
                     : call.server[0].txn.active()    ? &call.server[0]
                                                      : nullptr;
    if (ss) {
        txn::Outcome o = ss->txn.on_send_response(t.status_code, now_ns);
        if (o.has(txn::kAbsorb)) return true;  // that transaction already has its final answer
    }
    if (!transmit(call, tpl_index, 0, 0, false)) return false;
    if (ss) ss->response_tpl = tpl_index;
    if (ss == &call.server[0] && t.status_code >= 200 && t.status_code < 300)
        call.retx2xx.start(config_.timers, now_ns);
    return true;
}

// A TX buffer; when the batch is full it is sent first (a burst of answers is never dropped).
net::TxPacket* Engine::tx_slot() {
    net::TxPacket* pkt = transport_.alloc_tx();
    if (!pkt) {
        transport_.flush();
        pkt = transport_.alloc_tx();
    }
    return pkt;
}

bool Engine::transmit(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch, bool retransmission) {
    const sip::Template& t = program_.templates[tpl_index];
    net::TxPacket* pkt = tx_slot();
    if (!pkt) {
        fail(call, FailReason::kTransportError, "transmit buffer full");
        return false;
    }
    CallSlots slots{*this, call, cseq, branch};
    if (t.has_auth) {
        if (!credentials_for(call, tpl_index, cseq, branch, retransmission)) {
            pkt->len = 0;
            return false;
        }
        slots.auth = std::string_view(auth_buf_, auth_len_);
    }
    if (t.has_challenge) slots.challenge = challenge_value(call);
    size_t n = sip::render(t, slots, pkt->data, net::kMaxDatagram);
    if (n == 0) {
        pkt->len = 0;  // the transport skips empty packets
        fail(call, FailReason::kOther, "message does not fit in a datagram");
        return false;
    }
    if (lose_next_ && !retransmission) {  // as if the network lost it: not sent, not traced
        lose_next_ = false;
        pkt->len = 0;  // the transport skips empty packets
        return true;
    }
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = destination(call);
    pkt->flow = flow_of(call);
    pkt->lane = lane_++;
    trace_tx(*pkt);
    rec_.message_out(t.is_request, t.method, t.status_code, retransmission);
    return true;
}

// RFC 3261 §17.1.1.3: the ACK for a non-2xx final response belongs to the INVITE transaction: the
// INVITE's Request-URI, top Via, From, Call-ID and Route, the response's To, CSeq number + ACK.
void Engine::send_ack_for_failure(Call& call, const sip::MessageView& response) {
    const ClientSide& invite = call.client[0];
    if (invite.tpl == kNoTemplate) return;
    CallSlots slots{*this, call, invite.cseq, invite.branch};
    size_t n = sip::render(program_.templates[invite.tpl], slots, scratch_, sizeof(scratch_));
    if (n == 0 || !sip::parse(std::string_view(scratch_, n), scratch_msg_).ok()) return;
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    size_t len = build_ack_for_failure(scratch_msg_, response, invite.cseq, pkt->data, net::kMaxDatagram);
    pkt->len = static_cast<uint32_t>(len);
    pkt->to = destination(call);
    pkt->flow = flow_of(call);
    pkt->lane = lane_++;
    if (len) {
        trace_tx(*pkt);
        rec_.message_out(true, sip::Method::kAck, 0, false);
    }
}

// ---------------------------------------------------------------------------------------------
// Receiving

int Engine::on_packet(const net::RxPacket& packet, uint64_t now_ns, bool may_hand_over) {
    now_ns_ = now_ns;
    if (trace_ && may_hand_over)
        trace_->write(packet.from, local_, std::string_view(packet.data, packet.len));
    rx_flow_ = packet.flow;
    rx_from_ = packet.from;
    sip::ParseResult r = sip::parse(std::string_view(packet.data, packet.len), msg_);
    if (!r.ok()) {
        rec_.parse_error();
        refuse_unparsable(packet, r.verdict.code);
        return -1;
    }
    const sip::Header* cid = msg_.find(sip::HeaderId::kCallId);
    if (!cid) {
        rec_.parse_error();
        if (msg_.is_request && msg_.method != sip::Method::kAck) refuse(msg_, packet.from, 400);
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
    if (program_.loses_received && scenario_loses(call, msg_)) return -1;
    if (!call) {
        if (msg_.is_request)
            call = accept_new_call(msg_, call_id, packet.from, now_ns);
        else
            ack_late_failure(msg_, call_id, packet.from);
        if (!call) return -1;
    }
    if (media_) media_on_message(*call, msg_, now_ns);
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
    if ((msg.method == sip::Method::kInvite || msg.method == sip::Method::kCancel) &&
        answer_ended_invite(msg, call_id, from, now_ns))
        return nullptr;
    if (uint16_t code = refusal_code(msg)) {  // RFC 3261 §8.2: refused whatever the scenario says
        rec_.unknown_call();
        refuse(msg, from, code);
        return nullptr;
    }
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
            refuse(msg, from, stray_request_code(msg));
        }
        return nullptr;
    }
    Call* c = table_.allocate();
    if (!c) {
        answer_statelessly(msg, from, 503);  // full: the peer may try again later
        return nullptr;
    }
    c->peer = reply_to(msg, from);
    c->flow = rx_flow_;
    begin_call(*c);
    c->intended_start_ns = now_ns;
    sip::NameAddr from_na, to_na;
    const sip::Header* fh = msg.find(sip::HeaderId::kFrom);
    const sip::Header* th = msg.find(sip::HeaderId::kTo);
    if (!store_field(*c, static_cast<unsigned>(Field::kCallId), call_id) ||
        (fh && sip::parse_name_addr(fh->value, from_na) == sip::FieldError::kOk &&
         !store_field(*c, static_cast<unsigned>(Field::kRemoteUri), from_na.uri)) ||
        (th && sip::parse_name_addr(th->value, to_na) == sip::FieldError::kOk &&
         !store_field(*c, static_cast<unsigned>(Field::kLocalUri), to_na.uri))) {
        table_.release(*c);
        return nullptr;
    }
    table_.index_call_id(*c);
    if (stream_) begin_flow(*c);
    rec_.call_started(now_ns, now_ns);
    run(*c, now_ns);  // to its first recv step, which this request answers
    return c;
}

void Engine::ack_late_failure(const sip::MessageView& msg, std::string_view call_id,
                              const net::Address& from) {
    CallKey key;
    const sip::Header* h = msg.find(sip::HeaderId::kCSeq);
    sip::CSeq cseq;
    if (msg.status_code < 300 || !h || sip::parse_cseq(h->value, cseq) != sip::FieldError::kOk ||
        cseq.method != sip::Method::kInvite || !parse_call_key(call_id, key) || key.run_id != config_.run_id)
        return;
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    pkt->len = static_cast<uint32_t>(build_ack_for_late_failure(msg, pkt->data, net::kMaxDatagram));
    pkt->to = from;
    pkt->flow = rx_flow_;
    pkt->lane = lane_++;
    if (pkt->len) {
        trace_tx(*pkt);
        rec_.message_out(true, sip::Method::kAck, 0, true);
    }
}

void Engine::answer_statelessly(const sip::MessageView& msg, const net::Address& to, uint16_t code,
                                std::string_view to_tag) {
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    size_t n = build_stateless_response(msg, code, pkt->data, net::kMaxDatagram, to_tag, {}, {}, &to);
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = reply_to(msg, to);
    pkt->flow = rx_flow_;
    if (n) {
        trace_tx(*pkt);
        rec_.message_out(false, sip::Method::kUnknown, code, false);
    }
}

void Engine::refuse(const sip::MessageView& msg, const net::Address& to, uint16_t code) {
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    char allow[256];
    size_t n = build_refusal(
        msg, code, std::string_view(run_hex_, 8),
        code == 405 || code == 200 ? std::string_view(allow, allow_methods(allow, sizeof allow)) : "",
        pkt->data, net::kMaxDatagram, &to);
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = reply_to(msg, to);
    pkt->flow = rx_flow_;  // a stream transport answers on the connection it came on
    if (n) {
        trace_tx(*pkt);
        rec_.message_out(false, sip::Method::kUnknown, code, false);
    }
}

void Engine::refuse_unparsable(const net::RxPacket& packet, uint16_t code) {
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    size_t n = build_raw_refusal(std::string_view(packet.data, packet.len), code ? code : 400,
                                 std::string_view(run_hex_, 8), pkt->data, net::kMaxDatagram);
    pkt->len = static_cast<uint32_t>(n);
    pkt->to = packet.from;
    pkt->flow = packet.flow;
    if (n) {
        trace_tx(*pkt);
        rec_.message_out(false, sip::Method::kUnknown, code, false);
    }
}

// Over UDP a response goes where the top Via says (§18.2.2); a stream answers on its connection.
net::Address Engine::reply_to(const sip::MessageView& request, const net::Address& from) const {
    return stream_ || !request.is_request ? from : response_destination(request, from);
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
    const size_t side = side_of(cseq.method);
    ClientSide& cs = call.client[side];
    if (cs.txn.active() && cseq.method == cs.method && cseq.number == cs.cseq) {
        txn::Outcome o = cs.txn.on_response(code, now_ns);
        if (o.has(txn::kSendAck)) send_ack_for_failure(call, msg);
        if (!o.has(txn::kDeliver)) {
            rec_.retransmission_in();
            return rearm(call);
        }
    } else if (side == 0 && cseq.method == sip::Method::kInvite && cseq.number == cs.cseq && code >= 200) {
        // A final response to an INVITE whose transaction has ended: a 2xx again means our ACK
        // was lost, and the dialog, not a transaction, answers it (RFC 3261 §13.2.2.4).
        if (code < 300 && call.ack_tpl != kNoTemplate && (call.flags & kFlagInviteAnswered))
            transmit(call, call.ack_tpl, cs.cseq, call.ack_branch, true);
        else if (code >= 300)
            send_ack_for_failure(call, msg);
        rec_.retransmission_in();
        return;
    } else {
        rec_.retransmission_in();  // a late provisional, or a response to a transaction long gone
        return;
    }

    if (side == 0) {
        if (code >= 200) call.flags |= kFlagInviteAnswered;
        if (code >= 200 && code < 300 && !(call.flags & kFlagSetupDone)) {
            call.flags |= kFlagSetupDone;
            rec_.call_setup(now_ns - call.intended_start_ns);
        }
    }
    if (code > 100 && code < 300 && creates_dialog(cseq.method) && !capture_dialog_from_response(call, msg))
        return fail_arena_full(call);
    if (code >= 200) rec_.response_time(cseq.method, now_ns - cs.sent_ns);
    if ((code == 401 || code == 407) && uses_auth_ && !on_challenge(call, msg)) return;
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
    ServerSide& invite = call.server[0];
    if (msg.method == sip::Method::kAck) {
        if (invite.txn.active() && invite.txn.kind() == txn::TxnKind::kInvite && cseq.number == invite.cseq &&
            invite.txn.state() >= txn::State::kCompleted) {
            // The ACK of a non-2xx belongs to the transaction; a scenario that waits for it
            // ("send 486, recv ACK") still sees it, once.
            const bool first = invite.txn.state() == txn::State::kCompleted;
            invite.txn.on_ack(now_ns);
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
    ServerSide& ss = call.server[side_of(msg.method)];
    const uint32_t branch = top_branch_hash(msg);
    const bool scenario_waits = call.wait == Wait::kRecv && call.pc < program_.steps.size() &&
                                step_matches(program_.steps[call.pc], msg);
    if (dialog_rule_answers(call, msg, cseq, branch, from, scenario_waits)) return;
    if (msg.method == ss.method && cseq.number == ss.cseq) {
        // The same request again: the transaction (or, for an answered INVITE, the core) answers.
        txn::Outcome o = ss.txn.active()  ? ss.txn.on_request_retransmission(now_ns)
                         : &ss == &invite ? call.retx2xx.on_request_retransmission(now_ns)
                                          : txn::Outcome{};
        rec_.retransmission_in();
        if (o.has(txn::kResendLastResponse) && ss.response_tpl != kNoTemplate)
            transmit(call, ss.response_tpl, 0, 0, true);
        return rearm(call);
    }
    // A new request proves the 2xx arrived (its ACK may be lost), except a CANCEL or PRACK, which
    // can cross it.
    if (call.retx2xx.active() && msg.method != sip::Method::kCancel && msg.method != sip::Method::kPrack)
        call.retx2xx.on_ack(now_ns);
    ss.txn.start(msg.method == sip::Method::kInvite ? txn::TxnKind::kInvite : txn::TxnKind::kNonInvite,
                 config_.timers, now_ns);
    ss.method = msg.method;
    ss.cseq = cseq.number;
    ss.branch_hash = branch;
    ss.response_tpl = kNoTemplate;
    call.peer = reply_to(msg, from);
    if (stream_) update_flow(call);
    // A NOTIFY may overtake the 2xx of its SUBSCRIBE (RFC 6665 §4.1.2.4): it creates the dialog too.
    if ((creates_dialog(msg.method) || msg.method == sip::Method::kNotify) &&
        !call.has_field(static_cast<unsigned>(Field::kRemoteTag)) && !capture_dialog_from_request(call, msg))
        return refuse_too_large(call, msg, from);
    if (msg.method == sip::Method::kInvite && !save_invite_headers(call, msg))
        return refuse_too_large(call, msg, from);
    if (!save_last_headers(call, msg)) return refuse_too_large(call, msg, from);
    deliver(call, msg, now_ns);
}

void Engine::deliver(Call& call, const sip::MessageView& msg, uint64_t now_ns) {
    const auto& steps = program_.steps;
    // The recv step at `j` takes the message and the call goes on after it.
    auto take = [&](size_t j) {
        call.wait = Wait::kNone;
        call.step_deadline = 0;
        if (steps[j].check_auth && !check_credentials(call, msg)) return;
        if (!steps[j].captures.empty() && !capture(call, steps[j], msg)) return;
        if (!step_done(call, j, &msg)) return;
        run(call, now_ns);
        if (call.state == CallState::kActive) rearm(call);
    };
    if (call.wait == Wait::kRecv) {
        for (size_t j = call.pc; j < steps.size() && steps[j].kind == StepKind::kRecv; ++j) {
            if (step_matches(steps[j], msg)) return take(j);
            if (!skippable(steps[j])) break;
        }
    }
    // SIPp's optional="global": that recv takes the message wherever the call is, even in a pause.
    for (int j : program_.global_recvs)
        if (step_matches(steps[static_cast<size_t>(j)], msg)) return take(static_cast<size_t>(j));
    if (!msg.is_request && msg.status_code < 200) return rearm(call);  // an unasked-for provisional
    if (call.wait == Wait::kRecv && steps[call.pc].on_unexpected >= 0) {
        call.wait = Wait::kNone;
        call.step_deadline = 0;
        call.pc = static_cast<uint16_t>(steps[call.pc].on_unexpected);
        run(call, now_ns);
        if (call.state == CallState::kActive) rearm(call);
        return;
    }
    if (msg.is_request && msg.method == sip::Method::kCancel && awaiting_final(call.server[0]))
        return cancel_invite(call, msg, now_ns);  // §9.2, where the scenario does not say
    if (config_.auto_answer && msg.is_request &&
        (msg.method == sip::Method::kInfo || msg.method == sip::Method::kNotify ||
         msg.method == sip::Method::kOptions || msg.method == sip::Method::kUpdate)) {
        char key[kCallKeyLength];
        answer_statelessly(msg, call.peer, 200, call_key(call, key));
        rec_.auto_answered();
        return rearm(call);
    }
    FailReason reason = !msg.is_request && msg.status_code >= 300 ? FailReason::kFinalResponse
                                                                  : FailReason::kUnexpectedMessage;
    if (config_.bye_on_abort && msg.is_request && msg.method == sip::Method::kBye) {
        // The peer hung up where the scenario did not expect it: answer it, and send no BYE of ours.
        char key[kCallKeyLength];
        answer_statelessly(msg, call.peer, 200, call_key(call, key));
        peer_ended_ = true;
    }
    fail(call, reason, describe(msg), msg.is_request ? 0 : msg.status_code);
    peer_ended_ = false;
}

// ---------------------------------------------------------------------------------------------
// Captures and authentication

bool Engine::capture(Call& call, const Step& s, const sip::MessageView& msg) {
    for (const Capture& c : s.captures) {
        std::string_view src;
        std::string held;  // a variable searched and stored into: its view moves with the arena
        bool present = true;
        if (c.from_var >= 0) {
            held = call.field(var_base_ + c.from_var);
            src = held;
        } else if (c.header != sip::HeaderId::kOther || !c.header_name.empty()) {
            present = false;
            unsigned seen = 0;
            for (uint16_t i = 0; i < msg.header_count && !present; ++i) {
                const bool named = c.header != sip::HeaderId::kOther
                                       ? msg.headers[i].id == c.header
                                       : sip::lex::iequals(msg.headers[i].name, c.header_name);
                if (named && ++seen == c.occurrence) {
                    present = true;
                    src = msg.headers[i].value;
                }
            }
        } else {
            src = c.body ? msg.body : raw_of(msg);
            if (c.start_line) src = src.substr(0, src.find("\r\n"));
        }
        std::string_view value = src;
        if (present && c.regex >= 0) {
            regmatch_t m[10];
            present = regex_search(regexes_[static_cast<size_t>(c.regex)], src, m, c.group + 1u) &&
                      m[c.group].rm_so >= 0;
            if (present)
                value = src.substr(static_cast<size_t>(m[c.group].rm_so),
                                   static_cast<size_t>(m[c.group].rm_eo - m[c.group].rm_so));
        }
        if (!present) {
            value = {};
            if (c.required) {
                fail(call, FailReason::kScenario, "a required capture found nothing");
                return false;
            }
        }
        if (!store_field(call, var_base_ + c.var, value)) {
            fail_arena_full(call);
            return false;
        }
    }
    // Storing a variable drops the ${last_*} copies: take them again from this message.
    if (!save_last_headers(call, msg)) {
        fail_arena_full(call);
        return false;
    }
    return true;
}

std::string_view Engine::field_value(const Call& call, size_t index) const {
    const Program::FieldRef& f = program_.fields[index];
    if (f.file >= cursors_.size()) return {};
    return program_.injection->file(f.file).row(call.rows[f.file])[f.field];
}

std::string_view Engine::credential(const Call& call, const Program::Credential& c) const {
    return c.field < 0 ? std::string_view(c.literal) : field_value(call, static_cast<size_t>(c.field));
}

// A 401/407 to one of our requests: keep the first challenge we can answer, unless it says our
// credentials were wrong (a new challenge without stale=true right after we sent some).
bool Engine::on_challenge(Call& call, const sip::MessageView& msg) {
    const bool proxy = msg.status_code == 407;
    const sip::HeaderId id = proxy ? sip::HeaderId::kProxyAuthenticate : sip::HeaderId::kWwwAuthenticate;
    for (uint16_t i = 0; i < msg.header_count; ++i) {
        if (msg.headers[i].id != id) continue;
        sip::DigestChallenge ch;
        if (sip::parse_challenge(msg.headers[i].value, ch) != sip::FieldError::kOk || !auth::supported(ch))
            continue;
        if (auth::classify(ch, call.flags & kFlagAuthSent) == auth::ChallengeVerdict::kRejected) {
            fail(call, FailReason::kScenario,
                 proxy ? "credentials rejected (407 again, not stale)"
                       : "credentials rejected (401 again, not stale)",
                 msg.status_code);
            return false;
        }
        if (!store_field(call, static_cast<unsigned>(Field::kChallenge), msg.headers[i].value)) {
            fail_arena_full(call);
            return false;
        }
        call.flags = static_cast<uint8_t>(proxy ? call.flags | kFlagProxyChallenge
                                                : call.flags & ~kFlagProxyChallenge);
        return true;
    }
    fail(call, FailReason::kScenario, "no Digest challenge we support (MD5, SHA-256, SHA-512-256)",
         msg.status_code);
    return false;
}

// The credentials line for a request: Authorization (after a 401) or Proxy-Authorization (407),
// computed over the method and the Request-URI as rendered. A retransmission repeats the same nc.
bool Engine::credentials_for(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch,
                             bool retransmission) {
    auth_len_ = 0;
    if (!call.has_field(static_cast<unsigned>(Field::kChallenge))) return true;
    const sip::Template& t = program_.templates[tpl_index];
    CallSlots plain{*this, call, cseq, branch};
    size_t n = sip::render(t, plain, scratch_, sizeof(scratch_));
    std::string_view line(scratch_, n);
    line = line.substr(0, line.find("\r\n"));
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    sip::DigestChallenge ch;
    if (n == 0 || sp1 == std::string_view::npos || sp2 <= sp1 ||
        sip::parse_challenge(call.field(static_cast<unsigned>(Field::kChallenge)), ch) !=
            sip::FieldError::kOk) {
        fail(call, FailReason::kOther, "can't build credentials for this request");
        return false;
    }
    // ACK and CANCEL take the INVITE's method in the digest (RFC 3261 §22.1).
    std::string_view method = line.substr(0, sp1);
    if (t.method == sip::Method::kAck || t.method == sip::Method::kCancel) method = "INVITE";
    auth::DigestState state{call.digest_nonce, call.digest_nc - (retransmission && call.digest_nc ? 1 : 0)};
    auth::CnonceBuf cbuf;
    const uint64_t seed = (static_cast<uint64_t>(call.generation) << 40) ^ (uint64_t{call.index} << 8) ^
                          state.nc ^ (uint64_t{config_.run_id} << 32);
    std::string_view cnonce = auth::make_cnonce(seed * 0x9E3779B97F4A7C15ull, cbuf);
    const std::string_view header =
        (call.flags & kFlagProxyChallenge) ? "Proxy-Authorization: " : "Authorization: ";
    std::memcpy(auth_buf_, header.data(), header.size());
    size_t len = 0;
    auth::AuthError e = auth::write_authorization(
        ch, {credential(call, program_.auth_user), credential(call, program_.auth_password)},
        {method, line.substr(sp1 + 1, sp2 - sp1 - 1), {}}, cnonce, state,
        std::span<char>(auth_buf_ + header.size(), sizeof(auth_buf_) - header.size()), len);
    if (e != auth::AuthError::kOk) {
        fail(call, FailReason::kOther, "can't answer the challenge (unsupported or too long)");
        return false;
    }
    auth_len_ = header.size() + len;
    if (!retransmission) {
        call.digest_nonce = state.nonce_key;
        call.digest_nc = state.nc;
    }
    return true;
}

std::string_view Engine::call_key(const Call& call, char* out) const {
    format_call_key(out, {config_.run_id, config_.shard, call.index, call.generation});
    return std::string_view(out, kCallKeyLength);
}

// Our challenge to this call (UAS): its nonce is the call key, so checking needs no state.
std::string_view Engine::challenge_value(const Call& call) {
    char nonce[kCallKeyLength];
    auth::ChallengeSpec spec;
    spec.realm = program_.auth_realm;
    spec.nonce = call_key(call, nonce);
    spec.algorithm = sip::digest_algorithm_from(program_.auth_algorithm);
    size_t len = 0;
    if (auth::write_challenge(spec, std::span<char>(challenge_buf_, sizeof(challenge_buf_)), len) !=
        auth::AuthError::kOk)
        return {};
    return std::string_view(challenge_buf_, len);
}

bool Engine::credentials_are(const sip::MessageView& msg, std::string_view user,
                             std::string_view password) const {
    const sip::Header* h = msg.find(sip::HeaderId::kProxyAuthorization);
    if (!h) h = msg.find(sip::HeaderId::kAuthorization);
    sip::DigestCredentials cr;
    return h && sip::parse_credentials(h->value, cr) == sip::FieldError::kOk && cr.is_digest &&
           cr.username == user && auth::verify(cr, password, msg.method_text, msg.body);
}

bool Engine::check_credentials(Call& call, const sip::MessageView& msg) {
    const sip::Header* h = msg.find(sip::HeaderId::kProxyAuthorization);
    if (!h) h = msg.find(sip::HeaderId::kAuthorization);
    sip::DigestCredentials cr;
    char buf[kCallKeyLength];
    const std::string_view key = call_key(call, buf);  // our nonce for this call, and our tag
    const char* why = nullptr;
    if (!h || sip::parse_credentials(h->value, cr) != sip::FieldError::kOk || !cr.is_digest)
        why = "no Digest credentials in the request";
    else if (cr.nonce != key)
        why = "credentials for a nonce we did not give";
    else if (const std::string_view user = credential(call, program_.auth_user);
             !user.empty() && cr.username != user)
        why = "credentials of an unknown user";
    else if (!auth::verify(cr, credential(call, program_.auth_password), msg.method_text, msg.body))
        why = "wrong password in the credentials";
    if (!why) return true;
    // Tell the caller too, so it fails at once rather than at its Timer B (RFC 3261 §22.2 / §21.4.4).
    answer_statelessly(msg, call.peer, 403, key);
    fail(call, FailReason::kScenario, why);
    return false;
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
    now_ns_ = now_ns;
    if (stream_) take_faults();
    wheel_.advance(now_ns, [&](uint64_t cookie) { on_timer(cookie, now_ns); });
}

void Engine::rearm(Call& call) {
    if (call.state != CallState::kActive) return;
    uint64_t at = call.step_deadline;
    for (const ClientSide& c : call.client)
        if (c.txn.active()) at = earliest_nonzero(at, c.txn.deadline_ns());
    for (const ServerSide& s : call.server)
        if (s.txn.active()) at = earliest_nonzero(at, s.txn.deadline_ns());
    at = earliest_nonzero(at, call.retx2xx.active() ? call.retx2xx.deadline_ns() : 0);
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
    for (ClientSide& cs : call.client) {
        if (!cs.txn.active() || !cs.txn.deadline_ns() || cs.txn.deadline_ns() > now_ns) continue;
        txn::Outcome o = cs.txn.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && cs.tpl != kNoTemplate &&
            !transmit(call, cs.tpl, cs.cseq, cs.branch, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    for (ServerSide& ss : call.server) {
        if (!ss.txn.active() || !ss.txn.deadline_ns() || ss.txn.deadline_ns() > now_ns) continue;
        txn::Outcome o = ss.txn.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && ss.response_tpl != kNoTemplate &&
            !transmit(call, ss.response_tpl, 0, 0, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    if (call.retx2xx.active() && call.retx2xx.deadline_ns() <= now_ns) {
        txn::Outcome o = call.retx2xx.on_timer(now_ns);
        if (o.has(txn::kRetransmit) && call.server[0].response_tpl != kNoTemplate &&
            !transmit(call, call.server[0].response_tpl, 0, 0, true))
            return;
        if (o.has(txn::kTimeout)) return fail(call, FailReason::kTimeout, txn::reason(o));
    }
    if (call.step_deadline && call.step_deadline <= now_ns) {
        call.step_deadline = 0;
        if (call.wait == Wait::kPause) {
            call.wait = Wait::kNone;
            if (!step_done(call, call.pc, nullptr)) return;
            run(call, now_ns);
        } else if (call.wait == Wait::kRecv) {
            const Step& s = program_.steps[call.pc];
            if (s.on_timeout < 0) return fail(call, FailReason::kTimeout, "recv step timed out");
            call.wait = Wait::kNone;
            call.pc = static_cast<uint16_t>(s.on_timeout);
            run(call, now_ns);
        }
    }
    rearm(call);
}

// ---------------------------------------------------------------------------------------------
// What a call keeps of the messages it receives

bool Engine::store_field(Call& call, unsigned field, std::string_view value) {
    // A value no longer than the one it replaces takes its place (variables re-captured in a loop).
    FieldRef& f = call.fields[field];
    if (f.length != 0 && value.size() <= f.length) {
        std::memmove(call.arena_data() + f.offset, value.data(), value.size());
        f.length = static_cast<uint16_t>(value.size());
        return true;
    }
    if (value.empty()) {
        f = {};
        return true;
    }
    // Dialog fields and variables sit before the "last" region: a new one is appended where that
    // region starts, and the region moves up to make room (a variable set by an action or a hook
    // keeps the [last_*] headers); without room for both, the region (rewritten for every message
    // anyway) is dropped.
    const size_t at = call.last_start;
    if (at + value.size() > call.arena_cap) return false;
    char* arena = call.arena_data();
    const size_t tail = call.arena_used > call.last_start ? call.arena_used - call.last_start : 0;
    const bool keep = at + value.size() + tail <= call.arena_cap;
    if (keep) {
        std::memmove(arena + at + value.size(), arena + at, tail);
        for (size_t i = last_base_; i < kMaxFields; ++i)
            if (call.fields[i].length)
                call.fields[i].offset = static_cast<uint16_t>(call.fields[i].offset + value.size());
    } else {
        for (size_t i = last_base_; i < kMaxFields; ++i) call.fields[i] = {};
    }
    std::memcpy(arena + at, value.data(), value.size());
    call.fields[field] = {static_cast<uint16_t>(at), static_cast<uint16_t>(value.size())};
    call.last_start = static_cast<uint16_t>(at + value.size());
    call.arena_used = static_cast<uint16_t>(call.last_start + (keep ? tail : 0));
    return true;
}

// ${invite_*}: the headers of the INVITE, kept while CANCEL, PRACK or UPDATE replace the "last" ones.
bool Engine::save_invite_headers(Call& call, const sip::MessageView& msg) {
    char lines[kMaxArenaBytes];
    for (size_t i = 0; i < invite_ids_.size(); ++i) {
        size_t n = render_header_lines(msg, invite_ids_[i], lines, sizeof(lines));
        if (n == 0 && msg.find(invite_ids_[i])) return false;
        if (!store_field(call, invite_base_ + static_cast<unsigned>(i), std::string_view(lines, n)))
            return false;
    }
    return true;
}

// A request whose headers the call cannot keep gets an answer, not silence: 513, "unable to process
// the request since the message length exceeded its capabilities" (RFC 3261 §21.5.7).
void Engine::refuse_too_large(Call& call, const sip::MessageView& msg, const net::Address& from) {
    refuse(msg, from, 513);
    fail_arena_full(call);
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
    char routes[kMaxArenaBytes];
    size_t len = render_route_set(msg, reverse, routes, sizeof(routes));
    return len && store_field(call, static_cast<unsigned>(Field::kRoutes), std::string_view(routes, len));
}

bool Engine::save_last_headers(Call& call, const sip::MessageView& msg) {
    if (last_ids_.empty()) return true;
    call.arena_used = call.last_start;
    for (size_t i = 0; i < last_ids_.size(); ++i) {
        char* out = call.arena_data() + call.arena_used;
        size_t room = call.arena_cap - call.arena_used;
        size_t n = render_header_lines(msg, last_ids_[i], out, room, msg.is_request ? &rx_from_ : nullptr);
        if (n == 0 && msg.find(last_ids_[i])) return false;  // present but too long to keep
        call.fields[last_base_ + i] = {call.arena_used, static_cast<uint16_t>(n)};
        call.arena_used = static_cast<uint16_t>(call.arena_used + n);
    }
    return true;
}

}  // namespace sipstorm::ua
