// The Recorder a shard gives its engines: counts into the shard's own stats::ShardStats, and keeps
// the text of failure reasons (a small table, read by the reporter only after the shard stopped).
#pragma once
#include <array>
#include <cstring>
#include <string_view>

#include "stats/shard_stats.hpp"
#include "ua/recorder.hpp"

namespace sipstorm::ua {

// Failure reasons by text ("timeout (Timer B)", "unexpected 486 response"): the first 32 distinct.
class FailureTable {
  public:
    struct Entry {
        char text[112] = {};  // room for "TLS: certificate verify failed: unable to get local issuer ..."
        uint64_t count = 0;
    };
    void add(std::string_view text);
    const std::array<Entry, 32>& entries() const { return entries_; }
    uint64_t other() const { return other_; }

  private:
    std::array<Entry, 32> entries_{};
    uint64_t other_ = 0;
};

class ShardRecorder final : public Recorder {
  public:
    explicit ShardRecorder(stats::ShardStats& stats) : s_(stats), c_(stats.counters()) {}

    void call_started(uint64_t intended_ns, uint64_t now_ns) override;
    void call_succeeded(uint64_t intended_ns, uint64_t now_ns) override;
    void call_failed(FailReason reason, std::string_view detail, uint16_t status_code) override;
    void call_setup(uint64_t setup_ns) override { s_.hist().setup_us.record_ns(setup_ns); }
    void response_time(sip::Method method, uint64_t ns) override;
    void message_out(bool is_request, sip::Method method, uint16_t code, bool retransmission) override;
    void message_in(bool is_request, sip::Method method, uint16_t code) override;
    void retransmission_in() override {}
    void parse_error() override { c_.parse_errors.add(); }
    void unknown_call() override { c_.unexpected_messages.add(); }
    void auto_answered() override { c_.auto_answered.add(); }
    void scenario_counter(unsigned index) override {
        if (index < c_.scenario_counters.size()) c_.scenario_counters[index].add();
    }
    void scenario_timer(unsigned index, uint64_t ns) override {
        if (index < stats::kScenarioTimers) s_.hist().scenario_timer_us[index].record_ns(ns);
    }

    const FailureTable& failures() const { return failures_; }

  private:
    stats::ShardStats& s_;
    stats::ShardCounters& c_;
    FailureTable failures_;
};

}  // namespace sipstorm::ua
