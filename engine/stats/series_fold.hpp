// Long runs: the per-second series is kept for the first hour, then one row a minute, so a soak of a
// day writes 3600 + 1380 rows instead of 86,400. Rows are folded as they arrive (the reporter's list
// never holds more than that either).
#pragma once
#include <algorithm>
#include <vector>

#include "stats/snapshot.hpp"

namespace sipstorm::stats {

// b after a: counts add, levels and the lag keep b's (the later), the worst lag the larger; setups
// add, their max and p99 the larger (an upper bound for the p99), the p50 weighted by setup count.
inline void fold_row(SeriesRow& a, const SeriesRow& b) {
    for_each_field(a.counts, b.counts, [](uint64_t& x, const uint64_t& y, Combine c) {
        x = c == Combine::kSum ? x + y : c == Combine::kGauge ? y : std::max(x, y);
    });
    a.counts.lag_max_interval_ns = std::max(a.counts.lag_max_interval_ns, b.counts.lag_max_interval_ns);
    const uint64_t n = a.setup_count + b.setup_count;
    if (n) a.setup_p50_us = (a.setup_p50_us * a.setup_count + b.setup_p50_us * b.setup_count) / n;
    a.setup_count = n;
    a.setup_p99_us = std::max(a.setup_p99_us, b.setup_p99_us);
    a.setup_max_us = std::max(a.setup_max_us, b.setup_max_us);
    a.t_s = b.t_s;
    a.interval_s += b.interval_s;
}

// Appends a row: as its own row during the first `per_second_s` seconds, then folded into the row of
// its minute (rows of minute m end within (per_second_s + 60 (m-1), per_second_s + 60 m]).
inline void append_row(std::vector<SeriesRow>& rows, const SeriesRow& row, double per_second_s = 3600) {
    auto minute = [&](double t) { return static_cast<long>((t - per_second_s - 1e-9) / 60.0); };
    if (row.t_s > per_second_s && !rows.empty() && rows.back().t_s > per_second_s &&
        minute(rows.back().t_s) == minute(row.t_s)) {
        fold_row(rows.back(), row);
        return;
    }
    rows.push_back(row);
}

}  // namespace sipstorm::stats
