// Abandoning a UAC call that failed (EngineConfig::bye_on_abort, SIPp's default behaviour "bye"), so
// the target is not left holding a session or a ringing phone: a CANCEL for an INVITE that got a
// provisional response and no final one, a BYE for a dialog that is up. Each is sent once, outside
// any transaction (the call's slot is freed at once): on UDP a lost one is not sent again. The
// INVITE is rendered again from its template, as the ACK of a non-2xx is.
#include "sip/parser.hpp"
#include "sip/template_render.hpp"
#include "ua/call_id.hpp"
#include "ua/engine.hpp"
#include "ua/slots.hpp"
#include "ua/stateless.hpp"

namespace sipstorm::ua {

void Engine::abandon(Call& call) {
    const ClientSide& invite = call.client[side_of(sip::Method::kInvite)];
    const ClientSide& other = call.client[side_of(sip::Method::kBye)];
    if (invite.tpl == 0xffff || invite.method != sip::Method::kInvite) return;
    const bool answered = (call.flags & kFlagInviteAnswered) != 0;
    const bool up = (call.flags & kFlagSetupDone) && call.has_field(static_cast<unsigned>(Field::kRemoteTag));
    if (answered && !up) return;  // rejected: nothing to end
    // §9.1: no CANCEL before a provisional response (the INVITE may not have arrived at all).
    if (!up && !(invite.txn.active() && invite.txn.state() == txn::State::kProceeding)) return;
    if (up && other.method == sip::Method::kBye && other.tpl != 0xffff) return;  // our BYE went already
    CallSlots slots{*this, call, invite.cseq, invite.branch};
    const size_t n = sip::render(program_.templates[invite.tpl], slots, scratch_, sizeof(scratch_));
    if (n == 0 || !sip::parse(std::string_view(scratch_, n), scratch_msg_).ok()) return;
    net::TxPacket* pkt = tx_slot();
    if (!pkt) return;
    size_t len = 0;
    if (up) {
        char branch[12 + kCallKeyLength];
        std::memcpy(branch, "z9hG4bK", 7);
        call_key(call, branch + 7);
        branch[7 + kCallKeyLength] = '.';
        format_hex(branch + 8 + kCallKeyLength, 0xabba, 4);  // a branch no scenario request takes
        len = build_bye(scratch_msg_, call.field(static_cast<unsigned>(Field::kRemoteTarget)),
                        call.field(static_cast<unsigned>(Field::kRoutes)),
                        call.field(static_cast<unsigned>(Field::kRemoteTag)),
                        std::string_view(branch, sizeof branch), call.cseq + 1, pkt->data, net::kMaxDatagram);
    } else {
        len = build_cancel(scratch_msg_, invite.cseq, pkt->data, net::kMaxDatagram);
    }
    pkt->len = static_cast<uint32_t>(len);
    if (len == 0) return;  // the transport skips empty packets
    pkt->to = destination(call);
    pkt->flow = flow_of(call);
    pkt->lane = lane_++;
    trace_tx(*pkt);
    rec_.message_out(true, up ? sip::Method::kBye : sip::Method::kCancel, 0, false);
}

}  // namespace sipstorm::ua
