// A Transport for engine tests: keeps what the engine sends, hands it what the test injects.
#pragma once
#include <string>
#include <vector>

#include "net/transport.hpp"

namespace sipstorm::ua::test {

class FakeTransport final : public net::Transport {
  public:
    FakeTransport() {
        local_.family = AF_INET;
        local_.ip[0] = 127;
        local_.ip[3] = 1;
        local_.port = 5070;
        slots_.resize(8);
        pending_.reserve(8);
        for (auto& s : slots_) s.resize(net::kMaxDatagram);
    }
    std::span<const net::RxPacket> poll(int) override { return {}; }
    net::TxPacket* alloc_tx() override {
        if (pending_.size() == slots_.size()) return nullptr;
        pending_.push_back({slots_[pending_.size()].data(), 0, {}});
        return &pending_.back();
    }
    void flush() override {
        for (const auto& p : pending_)
            if (p.len) {
                sent.emplace_back(p.data, p.len);
                sent_to.push_back(p.to);
            }
        pending_.clear();
    }
    net::Address local_address() const override { return local_; }
    const net::TransportStats& stats() const override { return stats_; }

    std::vector<std::string> sent;
    std::vector<net::Address> sent_to;  // where each of `sent` went

  private:
    net::Address local_;
    net::TransportStats stats_;
    std::vector<std::string> slots_;
    std::vector<net::TxPacket> pending_;
};

}  // namespace sipstorm::ua::test
