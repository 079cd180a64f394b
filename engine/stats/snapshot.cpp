#include "stats/snapshot.hpp"

#include <algorithm>

namespace sipstorm::stats {

void Histograms::add(const Histograms& o) {
    setup_us.add(o.setup_us);
    call_us.add(o.call_us);
    for (size_t i = 0; i < response_us.size(); ++i) response_us[i].add(o.response_us[i]);
    timer_late_us.add(o.timer_late_us);
}

void Histograms::subtract(const Histograms& earlier) {
    setup_us.subtract(earlier.setup_us);
    call_us.subtract(earlier.call_us);
    for (size_t i = 0; i < response_us.size(); ++i) response_us[i].subtract(earlier.response_us[i]);
    timer_late_us.subtract(earlier.timer_late_us);
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

SeriesRow make_row(const Snapshot& later, const Snapshot& earlier, uint64_t run_start_ns) {
    SeriesRow row;
    row.t_s = static_cast<double>(later.taken_ns - std::min(later.taken_ns, run_start_ns)) * 1e-9;
    row.interval_s = static_cast<double>(later.taken_ns - std::min(later.taken_ns, earlier.taken_ns)) * 1e-9;
    row.counts = delta(later.counts, earlier.counts);
    Histogram setup = later.hist.setup_us;
    setup.subtract(earlier.hist.setup_us);
    row.setup_count = setup.count();
    row.setup_p50_us = setup.percentile(50);
    row.setup_p99_us = setup.percentile(99);
    row.setup_max_us = setup.max();
    Histogram late = later.hist.timer_late_us;
    late.subtract(earlier.hist.timer_late_us);
    row.timer_late_p99_us = late.percentile(99);
    row.timer_late_max_us = late.max();
    return row;
}

}  // namespace sipstorm::stats
