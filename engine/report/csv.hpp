// The per-second series of a result file as CSV (`--csv stats.csv`), for spreadsheets and plots.
//
// One header line, then one line per entry of result["series"] (one per second of the run; the last
// may be shorter). Columns, in this order (units in the names; counts are per interval):
//   t                  end of the interval, s since the run started
//   interval_s         its length, s (about 1)
//   attempted, succeeded, failed   calls started / ended well / ended badly in the interval
//   cps                calls started per second in the interval
//   concurrent         live calls at the end of the interval
//   retransmissions    sent again (requests and responses), unexpected, parse_errors
//   setup_count, setup_p50_ms, setup_p99_ms, setup_max_ms   setup times of calls set up in the interval
//   lag_max_ms         worst schedule lag in the interval; busy_share 0..1 of the shards' loop time
//   rx_drops, tx_errors
//   failed_<REASON>    failures by reason: timeout unexpected_message 4xx 5xx 6xx transport_error
//                      aborted other
//   in_<METHOD>, in_1xx .. in_6xx, out_<METHOD>, out_1xx .. out_6xx   messages received / sent by
//                      request method and response class (the methods that occur in the run,
//                      alphabetically); only when the result's series carries them (schema 1 does)
// A value the row lacks is an empty cell. Numbers: integers as such, others with 6 significant digits.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace sipstorm::report {

std::string series_csv(const nlohmann::json& result);

}  // namespace sipstorm::report
