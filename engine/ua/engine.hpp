// The call engine of one shard for one role: it owns the shard's calls, runs each through the
// compiled scenario, drives the RFC 3261 transactions, and renders messages from templates into the
// transport's TX buffers. One thread, no locks, no allocation per message or per call.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/transport.hpp"
#include "runtime/prng.hpp"
#include "runtime/timer_wheel.hpp"
#include "sip/message.hpp"
#include "txn/timers.hpp"
#include "ua/call_table.hpp"
#include "ua/program.hpp"
#include "ua/recorder.hpp"

namespace sipstorm::script {
class ScenarioState;
}
namespace sipstorm::net {
class PcapWriter;
}

namespace sipstorm::ua {

struct EngineConfig {
    uint32_t shard = 0;
    uint32_t shards = 1;
    uint32_t run_id = 0;            // in every Call-ID, tag and branch we make: tells ours from others
    uint32_t max_calls = 1u << 20;  // call table capacity
    net::Address remote;            // UAC: the target
    txn::TimerConfig timers;
    uint64_t recv_timeout_ns = 0;  // default for recv steps without their own timeout; 0 = none
    uint64_t seed = 1;             // pause distributions
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
    uint64_t next_deadline_ns() const { return wheel_.next_deadline_ns(); }
    // Ends every live call as failed (kAborted): the run is over.
    void abort_all(uint64_t now_ns);

    uint32_t live_calls() const { return table_.live(); }
    // Every message sent and received from now on is also written here (--pcap); nullptr: off.
    void set_trace(net::PcapWriter* trace) { trace_ = trace; }
    const Program& program() const { return program_; }

    // The shard that owns the call of this message.
    uint32_t owner_of(const sip::MessageView& msg, std::string_view call_id) const;

  private:
    friend struct CallSlots;

    void run(Call& call, uint64_t now_ns);
    bool send_step(Call& call, uint16_t tpl_index, uint64_t now_ns);
    bool transmit(Call& call, uint16_t tpl_index, uint32_t cseq, uint16_t branch, bool retransmission);
    void send_ack_for_failure(Call& call, const sip::MessageView& response);
    void on_response(Call& call, const sip::MessageView& msg, uint64_t now_ns);
    void on_request(Call& call, const sip::MessageView& msg, const net::Address& from, uint64_t now_ns);
    void deliver(Call& call, const sip::MessageView& msg, uint64_t now_ns);
    void on_timer(uint64_t cookie, uint64_t now_ns);
    void rearm(Call& call);
    void finish(Call& call, uint64_t now_ns);
    void fail(Call& call, FailReason reason, std::string_view detail, uint16_t code = 0);
    bool run_hook(Call& call, int hook, const sip::MessageView* msg);

    Call* lookup(const sip::MessageView& msg, std::string_view call_id);
    Call* accept_new_call(const sip::MessageView& msg, std::string_view call_id, const net::Address& from,
                          uint64_t now_ns);
    void answer_statelessly(const sip::MessageView& msg, const net::Address& to, uint16_t code);
    void trace_tx(const net::TxPacket& p);

    bool store_field(Call& call, unsigned field, std::string_view value);
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
    runtime::Xoshiro256 rng_;

    // Per-engine constants rendered once.
    std::string local_ip_, local_port_, remote_ip_, remote_port_, default_target_;
    std::vector<sip::HeaderId> last_ids_;  // headers the scenario's ${last_*} slots use
    uint32_t call_counter_ = 0;
    uint8_t lane_ = 0;  // messages the current call sent in this burst (see net::TxPacket::lane)
    char run_hex_[9] = {};

    sip::MessageView msg_;  // the message being handled (large: reused)
    sip::MessageView scratch_msg_;
    char scratch_[net::kMaxDatagram];
    char describe_buf_[64];
};

}  // namespace sipstorm::ua
