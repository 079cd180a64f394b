#include "stats/snapshot.hpp"

#include <algorithm>

namespace sipstorm::stats {

namespace {
constexpr Histogram Histograms::*kMedia[] = {&Histograms::media_jitter_us,   &Histograms::media_jitter_max_us,
                                             &Histograms::media_mos_milli,   &Histograms::media_rtt_us,
                                             &Histograms::media_echo_rtt_us, &Histograms::media_send_late_us};
}  // namespace

void Histograms::add(const Histograms& o) {
    setup_us.add(o.setup_us);
    call_us.add(o.call_us);
    connect_us.add(o.connect_us);
    handshake_us.add(o.handshake_us);
    for (auto m : kMedia) (this->*m).add(o.*m);
    for (size_t i = 0; i < response_us.size(); ++i) response_us[i].add(o.response_us[i]);
    timer_late_us.add(o.timer_late_us);
    for (size_t i = 0; i < scenario_timer_us.size(); ++i) scenario_timer_us[i].add(o.scenario_timer_us[i]);
}

void Histograms::subtract(const Histograms& earlier) {
    setup_us.subtract(earlier.setup_us);
    call_us.subtract(earlier.call_us);
    connect_us.subtract(earlier.connect_us);
    handshake_us.subtract(earlier.handshake_us);
    for (auto m : kMedia) (this->*m).subtract(earlier.*m);
    for (size_t i = 0; i < response_us.size(); ++i) response_us[i].subtract(earlier.response_us[i]);
    timer_late_us.subtract(earlier.timer_late_us);
    for (size_t i = 0; i < scenario_timer_us.size(); ++i)
        scenario_timer_us[i].subtract(earlier.scenario_timer_us[i]);
}

void merge_into(Snapshot& acc, const Snapshot& s) {
    acc.seq = std::max(acc.seq, s.seq);
    acc.taken_ns = std::max(acc.taken_ns, s.taken_ns);
    acc.sources += s.sources;
    merge_into(acc.counts, s.counts);
    acc.hist.add(s.hist);
}

std::unique_ptr<Snapshot> merge(std::span<const Snapshot* const> parts) {
    auto out = std::make_unique<Snapshot>();
    for (const Snapshot* p : parts)
        if (p) merge_into(*out, *p);
    return out;
}

void delta(const Snapshot& later, const Snapshot& earlier, Snapshot& out) {
    out = later;
    out.counts = delta(later.counts, earlier.counts);
    out.hist.subtract(earlier.hist);
}

}  // namespace sipstorm::stats
