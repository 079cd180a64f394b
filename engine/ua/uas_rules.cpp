// The RFC 3261 answers a sipstorm UAS gives where its scenario is silent: refusals of requests it
// must not accept (§8.2), requests no call takes (§12.2.2, §8.2.1, §11.2), and a CANCEL for an
// INVITE still ringing in a scenario that has no CANCEL step (§9.2: 200 to the CANCEL, 487 to the
// INVITE). Kept out of engine.cpp, which calls them.
#include <cstring>

#include "sip/method.hpp"
#include "sip/name_addr.hpp"
#include "sip/scalars.hpp"
#include "sip/validate.hpp"
#include "sip/via.hpp"
#include "txn/timers.hpp"
#include "ua/call_id.hpp"
#include "ua/engine.hpp"
#include "ua/stateless.hpp"

namespace sipstorm::ua {

uint16_t Engine::refusal_code(const sip::MessageView& msg) const {
    if (msg.method == sip::Method::kAck) return 0;  // never answered (§17.2.3)
    sip::Verdict v = sip::validate(msg);
    if (!v.ok()) return v.code;
    if (msg.method == sip::Method::kUnknown) return 501;  // §21.5.2
    return 0;
}

uint16_t Engine::stray_request_code(const sip::MessageView& msg) const {
    if (msg.method == sip::Method::kOptions) return 200;  // are we up? (§11.2)
    sip::NameAddr to;
    const sip::Header* h = msg.find(sip::HeaderId::kTo);
    const bool tagged = h && sip::parse_name_addr(h->value, to) == sip::FieldError::kOk && to.has_tag;
    if (msg.method == sip::Method::kBye) {
        // A BYE for a call of ours that ended: its 200 was lost, say it again. Any other: 481.
        CallKey key;
        return tagged && parse_call_key(to.tag, key) && key.run_id == config_.run_id ? 200 : 481;
    }
    if (tagged || msg.method == sip::Method::kCancel) return 481;  // §12.2.2, §9.2
    for (const Step& s : program_.steps)
        if (s.kind == StepKind::kRecv)
            for (const RecvMatch& m : s.matches)
                if (m.request && m.method == msg.method) return 481;
    return 405;  // a method the scenario never takes (§8.2.1), with Allow
}

size_t Engine::allow_methods(char* out, size_t cap) const {
    size_t len = 0;
    auto add = [&](std::string_view m) {
        if (len + m.size() + 2 > cap) return;
        if (len) {
            std::memcpy(out + len, ", ", 2);
            len += 2;
        }
        std::memcpy(out + len, m.data(), m.size());
        len += m.size();
    };
    const sip::Method always[] = {sip::Method::kInvite, sip::Method::kAck, sip::Method::kCancel,
                                  sip::Method::kBye, sip::Method::kOptions};
    bool listed[static_cast<size_t>(sip::Method::kCount)] = {};
    for (sip::Method m : always) {
        listed[static_cast<size_t>(m)] = true;
        add(sip::method_text(m));
    }
    for (const Step& s : program_.steps)
        if (s.kind == StepKind::kRecv)
            for (const RecvMatch& m : s.matches)
                if (m.request && m.method != sip::Method::kUnknown &&
                    !listed[static_cast<size_t>(m.method)]) {
                    listed[static_cast<size_t>(m.method)] = true;
                    add(sip::method_text(m.method));
                }
    return len;
}

uint32_t Engine::top_branch_hash(const sip::MessageView& msg) {
    const sip::Header* h = msg.find(sip::HeaderId::kVia);
    sip::Via via;
    if (!h || sip::parse_first_via(h->value, via) != sip::FieldError::kOk) return 0;
    uint32_t x = 2166136261u;  // FNV-1a: a mismatch, not an attack, is what it must tell apart
    for (char c : via.branch) x = (x ^ static_cast<uint8_t>(c)) * 16777619u;
    return x | 1;  // 0 stays "no request yet"
}

bool Engine::dialog_rule_answers(Call& call, const sip::MessageView& msg, const sip::CSeq& cseq,
                                 uint32_t branch, const net::Address& from, bool scenario_waits) {
    const ServerSide& invite = call.server[0];
    // The To is parsed only where a rule needs it: most requests of a call pass every rule on their
    // numbers alone.
    auto tagged = [&msg] {
        sip::NameAddr to;
        const sip::Header* to_h = msg.find(sip::HeaderId::kTo);
        return to_h && sip::parse_name_addr(to_h->value, to) == sip::FieldError::kOk && to.has_tag;
    };
    uint16_t code = 0;
    if (msg.method == sip::Method::kCancel) {
        if (invite.method != sip::Method::kInvite || cseq.number != invite.cseq ||
            branch != invite.branch_hash)
            code = 481;  // §9.2: it matches no INVITE of this call
        else if (!awaiting_final(invite) && !scenario_waits)
            code = 200;  // §9.2: after the final response it has no effect, but is answered
    } else if (msg.method == sip::Method::kInvite && invite.method == sip::Method::kInvite) {
        if (cseq.number == invite.cseq && branch != invite.branch_hash && !tagged())
            code = 482;  // §8.2.2.2: the same request reached us by another path
        else if (cseq.number > invite.cseq && awaiting_final(invite))
            code = 500;  // §14.2: a re-INVITE while the first INVITE has no final answer
    }
    if (!code && msg.method != sip::Method::kAck && msg.method != sip::Method::kCancel) {
        const ServerSide& same = call.server[side_of(msg.method)];
        const bool retransmission = msg.method == same.method && cseq.number == same.cseq;
        if (!retransmission && cseq.number < std::max(call.server[0].cseq, call.server[1].cseq) && tagged())
            code = 500;  // §12.2.2: lower than the remote CSeq of the dialog
    }
    if (!code) return false;
    if (code == 200) {
        char tag[kCallKeyLength];
        answer_statelessly(msg, from, 200, call_key(call, tag));
    } else {
        refuse(msg, from, code);
    }
    return true;
}

void Engine::cancel_invite(Call& call, const sip::MessageView& cancel, uint64_t now_ns) {
    char tag[kCallKeyLength];
    const std::string_view to_tag = call_key(call, tag);
    answer_statelessly(cancel, call.peer, 200, to_tag);
    if (net::TxPacket* pkt = transport_.alloc_tx()) {
        size_t n = build_stateless_response(cancel, 487, pkt->data, net::kMaxDatagram, to_tag, {}, "INVITE");
        pkt->len = static_cast<uint32_t>(n);
        pkt->to = call.peer;
        if (n) {
            trace_tx(*pkt);
            rec_.message_out(false, sip::Method::kInvite, 487, false);
        }
    }
    // Retransmissions of the INVITE get the 487 again until the caller's Timer B.
    sip::CSeq cseq;
    const sip::Header* h = cancel.find(sip::HeaderId::kCSeq);
    const unsigned cid = static_cast<unsigned>(Field::kCallId);
    const bool remember = h && sip::parse_cseq(h->value, cseq) == sip::FieldError::kOk && call.has_field(cid);
    const EndedInvites::Entry e{remember ? EndedInvites::invite_key(call.field(cid), cseq.number) : 0,
                                now_ns + txn::timer_b_ms(config_.timers) * txn::kNsPerMs, call.index,
                                call.generation, 487};
    fail(call, FailReason::kOther, "cancelled: the scenario has no CANCEL step (answered 200, then 487)");
    if (remember) ended_invites_.remember(e);
    (void)now_ns;
}

}  // namespace sipstorm::ua
