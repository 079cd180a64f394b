#include "stats/series.hpp"

#include <algorithm>

namespace sipstorm::stats {

SeriesBuilder::SeriesBuilder(unsigned shards, uint64_t run_start_ns, uint64_t interval_ns)
    : shards_(shards), start_ns_(run_start_ns), interval_ns_(interval_ns ? interval_ns : 1) {}

void SeriesBuilder::observe(unsigned shard, const Snapshot& s) {
    Shard& sh = shards_[shard];
    if (s.seq == 0 || s.seq == sh.cur.seq) return;
    // A snapshot of a later second: the one before it was the last of its (still open) second.
    if (sh.open && s.interval > sh.cur.interval) contribute(sh);
    // Two readings within one second: the worst lag of the second is the worse of the two, since
    // each publication restarts that maximum.
    const uint64_t lag_before =
        sh.open && s.interval == sh.cur.interval ? sh.cur.counts.lag_max_interval_ns : 0;
    sh.cur = s;
    sh.cur.counts.lag_max_interval_ns = std::max(sh.cur.counts.lag_max_interval_ns, lag_before);
    sh.open = true;
    if (s.closes_interval) contribute(sh);
    sh.done = std::max(sh.done, s.closes_interval ? s.interval : s.interval - 1);
}

void SeriesBuilder::contribute(Shard& sh) {
    std::unique_ptr<Second>& sec = pending_[sh.cur.interval];
    if (!sec) sec = std::make_unique<Second>();
    Snapshot d;
    delta(sh.cur, sh.base, d);
    merge_into(sec->sum, d);
    sec->end_ns = std::max(sec->end_ns, sh.cur.taken_ns);
    sh.base = sh.cur;
    sh.open = false;
}

std::vector<SeriesRow> SeriesBuilder::take_through(uint32_t last) {
    std::vector<SeriesRow> rows;
    while (!pending_.empty() && pending_.begin()->first <= last) {
        const uint32_t k = pending_.begin()->first;
        const Second& sec = *pending_.begin()->second;
        SeriesRow row;
        // A whole second ends on its boundary; the last, partial one when its last reading was taken.
        const uint64_t begin_ns = start_ns_ + (k - 1) * interval_ns_;
        const uint64_t end_ns = std::min(start_ns_ + k * interval_ns_, std::max(sec.end_ns, begin_ns));
        row.t_s = static_cast<double>(end_ns - std::min(end_ns, start_ns_)) * 1e-9;
        row.interval_s = static_cast<double>(end_ns - begin_ns) * 1e-9;
        row.counts = sec.sum.counts;
        const Histogram& setup = sec.sum.hist.setup_us;
        row.setup_count = setup.count();
        row.setup_p50_us = setup.percentile(50);
        row.setup_p99_us = setup.percentile(99);
        row.setup_max_us = setup.max();
        row.media_jitter_p99_us = sec.sum.hist.media_jitter_us.percentile(99);
        row.timer_late_p99_us = sec.sum.hist.timer_late_us.percentile(99);
        row.timer_late_max_us = sec.sum.hist.timer_late_us.max();
        row.media_mos_p5_milli = sec.sum.hist.media_mos_milli.percentile(5);
        rows.push_back(row);
        pending_.erase(pending_.begin());
    }
    return rows;
}

std::vector<SeriesRow> SeriesBuilder::take_ready() {
    uint32_t done = UINT32_MAX;
    for (const Shard& sh : shards_) done = std::min(done, sh.done);
    return take_through(shards_.empty() ? 0 : done);
}

std::vector<SeriesRow> SeriesBuilder::finish() {
    for (Shard& sh : shards_)
        if (sh.open) contribute(sh);
    return take_through(UINT32_MAX);
}

}  // namespace sipstorm::stats
