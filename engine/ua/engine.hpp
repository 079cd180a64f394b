// The call engine of one shard for one role: it owns the shard's calls, runs each through the
// compiled scenario, drives the RFC 3261 transactions, and renders messages from templates into the
// transport's TX buffers. One thread, no locks, no allocation per message or per call.
#pragma once
#include <regex.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/media_engine.hpp"
#include "net/transport.hpp"
#include "runtime/prng.hpp"
#include "runtime/timer_wheel.hpp"
#include "sip/message.hpp"
#include "sip/scalars.hpp"
#include "txn/timers.hpp"
#include "ua/call_table.hpp"
#include "ua/ended_invites.hpp"
#include "ua/program.hpp"
#include "ua/recorder.hpp"

namespace sipstorm::script {
class ScenarioState;
}
namespace sipstorm::data {
class InjectionSet;
class InjectionCursor;
}  // namespace sipstorm::data
namespace sipstorm::net {
class PcapWriter;
}

namespace sipstorm::ua {

struct EngineConfig {
    uint32_t shard = 0;
    uint32_t shards = 1;
    // This shard's place among the shards of every process of the run (RunConfig::node): --inf rows
    // and USER call numbers are split by it. slices 0: the same as shard/shards.
    uint32_t slice = 0;
    uint32_t slices = 0;
    uint32_t run_id = 0;            // in every Call-ID, tag and branch we make: tells ours from others
    uint32_t max_calls = 1u << 20;  // call table capacity
    net::Address remote;            // UAC: the target
    txn::TimerConfig timers;
    uint64_t recv_timeout_ns = 0;  // default for recv steps without their own timeout; 0 = none
    uint64_t seed = 1;             // pause distributions, RANDOM --inf rows, client nonces
    // An INFO, NOTIFY, OPTIONS or UPDATE inside a call that no step expects is answered 200 and the
    // call goes on (SIPp's -aa), rather than failing it as unexpected.
    bool auto_answer = false;
    // A UAC call that fails after its INVITE was sent is abandoned politely (SIPp's default behaviour
    // "bye"): a CANCEL while the INVITE has no final response, a BYE once its dialog is up.
    bool bye_on_abort = false;
    media::MediaConfig media;  // for a program with media steps (shard, shards, local and seed are filled in)
    stats::ShardStats* stats = nullptr;  // where the media engine counts (the shard's statistics)
};

class Engine {
  public:
    Engine(const EngineConfig& config, const Program& program, net::Transport& transport, Recorder& recorder,
           script::ScenarioState* lua, uint64_t now_ns);
    ~Engine();

    // UAC: starts one call whose intended start was `intended_ns`. False when the call table is full.
    bool start_call(uint64_t intended_ns, uint64_t now_ns);
    // One received datagram. Returns -1 when handled here, or the shard that owns its call (named
    // by our Call-ID or by our tag in To/From): the caller hands it over, and that shard calls
    // on_packet with may_hand_over = false.
    int on_packet(const net::RxPacket& packet, uint64_t now_ns, bool may_hand_over = true);
    // Fires due timers (retransmissions, pauses, timeouts).
    void advance(uint64_t now_ns);
    uint64_t next_deadline_ns() const;
    // RTP media (engine_media.cpp): a descriptor to sleep on (-1: no media), and the shard loop's
    // turn: receive, send what is due, fail calls whose media timed out. True when it did anything.
    int media_wait_fd() const;
    bool poll_media(uint64_t now_ns);
    // Ends every live call as failed (kAborted): the run is over.
    void abort_all(uint64_t now_ns);

    uint32_t live_calls() const { return table_.live(); }
    // For soak runs: timers armed now, call slots ever used (both must stay flat at a steady load).
    size_t timers_armed() const { return wheel_.size(); }
    uint32_t call_slots_touched() const { return table_.high_water(); }
    // Every message sent and received from now on is also written here (--pcap); nullptr: off.
    void set_trace(net::PcapWriter* trace) { trace_ = trace; }
    const Program& program() const { return program_; }

    // The shard that owns the call of this message.
    uint32_t owner_of(const sip::MessageView& msg, std::string_view call_id) const;

  private:
    friend struct CallSlots;
    friend class CallVars;

    static size_t arena_extra_for(const Program& program);
    void run(Call& call, uint64_t now_ns);
    // Moves the call on from step `at` (its `next`, or the one after), running its hook first.
    // False when the call ended (a hook failed).
    bool step_done(Call& call, size_t at, const sip::MessageView* msg);
    bool jump_taken(const Call& call, const Step& s) const;
    // The step's counter and timers (engine_sipp.cpp); the call may fail (its arena full).
    void step_marks(Call& call, const Step& s);
    void begin_call(Call& call);
    bool send_step(Call& call, uint16_t tpl_index, uint64_t now_ns);
    bool transmit(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch, bool retransmission);
    // The Authorization line for a request template (nothing when the call holds no challenge).
    bool credentials_for(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch, bool retransmission);
    std::string_view challenge_value(const Call& call);
    // The call's key (our tag, the base of its Call-ID and branches) written into out[kCallKeyLength].
    std::string_view call_key(const Call& call, char* out) const;
    bool on_challenge(Call& call, const sip::MessageView& msg);
    bool check_credentials(Call& call, const sip::MessageView& msg);
    // SIPp's verifyauth: the request's Digest credentials (any nonce) are this user's and password's.
    bool credentials_are(const sip::MessageView& msg, std::string_view user, std::string_view password) const;
    std::string_view credential(const Call& call, const Program::Credential& c) const;
    std::string_view field_value(const Call& call, size_t index) const;  // ${field0} ...
    bool capture(Call& call, const Step& s, const sip::MessageView& msg);
    void send_ack_for_failure(Call& call, const sip::MessageView& response);
    void on_response(Call& call, const sip::MessageView& msg, uint64_t now_ns);
    void on_request(Call& call, const sip::MessageView& msg, const net::Address& from, uint64_t now_ns);
    void deliver(Call& call, const sip::MessageView& msg, uint64_t now_ns);
    void on_timer(uint64_t cookie, uint64_t now_ns);
    void rearm(Call& call);
    void finish(Call& call, uint64_t now_ns);
    void fail(Call& call, FailReason reason, std::string_view detail, uint16_t code = 0);
    void abandon(Call& call);  // EngineConfig::bye_on_abort (engine_abandon.cpp)
    // Where the call's messages go: a UAC's target (or its setdest), a UAS's peer.
    const net::Address& destination(const Call& call) const {
        return program_.role == Role::kUac && !(call.flags & kFlagOwnDestination) ? config_.remote
                                                                                  : call.peer;
    }
    // SIPp's setdest: the call's messages go to HOST:PORT from now on (numeric; UDP). Empty when
    // done, else why not.
    std::string_view set_destination(Call& call, std::string_view host, std::string_view port);
    bool peer_ended_ = false;  // the message being handled is the peer's BYE: nothing to abandon
    void release(Call& call);  // cancels its timer, remembers an answered INVITE (UAS), frees the slot
    bool answer_ended_invite(const sip::MessageView& msg, std::string_view call_id, const net::Address& from,
                             uint64_t now_ns);

    Call* lookup(const sip::MessageView& msg, std::string_view call_id);
    Call* accept_new_call(const sip::MessageView& msg, std::string_view call_id, const net::Address& from,
                          uint64_t now_ns);
    void ack_late_failure(const sip::MessageView& msg, std::string_view call_id, const net::Address& from);
    void answer_statelessly(const sip::MessageView& msg, const net::Address& to, uint16_t code,
                            std::string_view to_tag = {});
    void trace_tx(const net::TxPacket& p);
    net::TxPacket* tx_slot();
    // Stream transports (engine_flows.cpp): which connection a call's messages take, and the calls
    // that a broken connection fails.
    uint64_t flow_of(const Call& call) const;
    void begin_flow(Call& call);
    void end_flow(Call& call);
    void update_flow(Call& call);
    void take_faults();
    // RTP media (engine_media.cpp).
    void media_begin(Call& call);
    void media_on_message(Call& call, const sip::MessageView& msg, uint64_t now_ns);
    void media_step(Call& call, const Step& s, uint64_t now_ns);
    void media_end(Call& call);
    // recv = "dtmf": the step's digits are among those the call's stream received.
    bool dtmf_heard(const Call& call, const Step& s) const;
    uint16_t media_port(const Call& call) const;                    // ${media_port}
    uint8_t media_pt(const Call& call) const;                       // ${media_pt}
    std::string_view variable(const Call& call, unsigned v) const;  // a variable, or the digits of ${dtmf}
    // Refusals whatever the scenario says (ua/refusal.hpp, engine/ua/uas_rules.cpp).
    void refuse(const sip::MessageView& msg, const net::Address& to, uint16_t code);
    net::Address reply_to(const sip::MessageView& request, const net::Address& from) const;
    void refuse_too_large(Call& call, const sip::MessageView& msg, const net::Address& from);
    void refuse_unparsable(const net::RxPacket& packet, uint16_t code);
    uint16_t refusal_code(const sip::MessageView& msg) const;        // 0: none
    uint16_t stray_request_code(const sip::MessageView& msg) const;  // a request no call takes
    size_t allow_methods(char* out, size_t cap) const;
    void cancel_invite(Call& call, const sip::MessageView& cancel, uint64_t now_ns);
    // RFC 3261 answers to a request inside a call that no scenario step could want: a CANCEL that
    // matches no INVITE (481) or comes after its final response (200, no effect), a merged INVITE
    // (482), a re-INVITE while one is pending (500), a lower CSeq in the dialog (500). True: answered.
    // scenario_waits: the call's current step receives this request (a CANCEL step wants it).
    bool dialog_rule_answers(Call& call, const sip::MessageView& msg, const sip::CSeq& cseq, uint32_t branch,
                             const net::Address& from, bool scenario_waits);
    static uint32_t top_branch_hash(const sip::MessageView& msg);

    bool store_field(Call& call, unsigned field, std::string_view value);
    bool save_invite_headers(Call& call, const sip::MessageView& msg);
    // False when the call's arena cannot hold what it must keep (the call then fails).
    bool capture_dialog_from_response(Call& call, const sip::MessageView& msg);
    bool capture_dialog_from_request(Call& call, const sip::MessageView& msg);
    bool capture_target_and_routes(Call& call, const sip::MessageView& msg, bool reverse);
    bool save_last_headers(Call& call, const sip::MessageView& msg);
    void fail_arena_full(Call& call);
    uint64_t sample_pause_ns(const PauseSpec& p);
    std::string_view describe(const sip::MessageView& msg);

    EngineConfig config_;
    const Program& program_;
    net::Transport& transport_;
    Recorder& rec_;
    script::ScenarioState* lua_;
    net::PcapWriter* trace_ = nullptr;
    net::Address local_;
    runtime::TimerWheel wheel_;
    CallTable table_;
    EndedInvites ended_invites_;                 // UAS only
    std::unique_ptr<media::MediaEngine> media_;  // a program with media steps only
    uint64_t now_ns_ = 0;                        // the time of the event being handled
    runtime::Xoshiro256 rng_;

    // Per-engine constants rendered once.
    std::string local_ip_, local_port_, remote_ip_, remote_port_, default_target_;
    std::vector<sip::HeaderId> last_ids_;                      // headers the scenario's ${last_*} slots use
    std::vector<sip::HeaderId> invite_ids_;                    // ... and its ${invite_*} slots
    unsigned var_base_ = 0, invite_base_ = 0, last_base_ = 0;  // where each group sits in Call::fields
    std::vector<data::InjectionCursor> cursors_;               // one per --inf file: this shard's rows
    std::vector<regex_t> regexes_;                             // program_.regexes, compiled here
    bool uses_auth_ = false;  // some template has ${auth}: 401/407 are kept as challenges
    char auth_buf_[1280];     // the credentials line being sent
    size_t auth_len_ = 0;
    char challenge_buf_[512];  // the challenge being sent
    uint32_t call_counter_ = 0;
    bool stream_ = false;        // the transport is TCP / TLS: flows, faults, no retransmissions
    uint64_t rx_flow_ = 0;       // the flow of the message being handled
    net::Address rx_from_;       // ... and where it came from (the received= of a copied Via)
    std::string via_transport_;  // ${transport}
    uint8_t lane_ = 0;           // messages the current call sent in this burst (see net::TxPacket::lane)
    char run_hex_[9] = {};

    sip::MessageView msg_;  // the message being handled (large: reused)
    sip::MessageView scratch_msg_;
    char scratch_[net::kMaxDatagram];
    char describe_buf_[64];
    mutable char peer_tag_buf_[256];  // ${peer_tag_param} being rendered
    mutable std::string fill_buf_;    // a [fill] being rendered (reserved once: no allocation per message)
    uint64_t started_ns_ = 0;         // ${clock_tick} counts from here
    bool lose_next_ = false;          // the send step being run loses its first transmission (Step::lost)
    // The recv step that would take `msg` drops it (Step::lost): the call never sees it.
    bool scenario_loses(const Call* call, const sip::MessageView& msg);
    std::string_view fill(const Call& call, uint16_t index) const;
};

}  // namespace sipstorm::ua
