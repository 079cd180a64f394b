// Deterministic datagram loss for --loss fault injection: the same seed drops the same datagrams,
// so a failing run can be replayed exactly.
#pragma once
#include <cstdint>

namespace sipstorm::net {

class LossInjector {
  public:
    LossInjector() = default;
    LossInjector(double percent, uint64_t seed) : state_(seed) {
        if (percent <= 0.0) return;
        // Threshold on 32 random bits: 2^32 means "always", which 100% must be exactly.
        const double p = percent >= 100.0 ? 1.0 : percent / 100.0;
        threshold_ = static_cast<uint64_t>(p * 4294967296.0);
    }

    bool active() const { return threshold_ != 0; }
    bool drop() { return (next() >> 32) < threshold_; }

  private:
    // splitmix64: tiny state, good spread even from small consecutive seeds.
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    uint64_t state_ = 0;
    uint64_t threshold_ = 0;
};

}  // namespace sipstorm::net
