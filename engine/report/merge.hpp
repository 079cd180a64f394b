// Merging result files of one load test run on several machines or processes (`sipstorm run
// --shard-of I/N` on each, then `sipstorm merge`) into the result file one run of the whole would have
// written:
//   - counters add (gauges such as concurrent_at_end add, maxima such as lag_ms_max take the largest);
//   - histograms add bucket by bucket, so every percentile of the merge is the one a single run over
//     all the calls would report (latency_ms is recomputed from them);
//   - the per-second series aligns by wall-clock second: a row goes into the second of the merged run
//     (which starts with the earliest input) in which it ended; counts add exactly, a second's setup
//     p50 is the count-weighted mean of the nodes' and its p99 and max the largest of the nodes';
//   - generator health stays per node (generator.nodes): any saturated node makes the merge saturated,
//     and the reason names the node;
//   - the inputs must be results of the same scenario (file name) and schema version, and no shard
//     index may come twice; anything else is refused with a message naming the files.
// Gates are not evaluated here: the caller evaluates them on the merged result (report/gate.hpp).
#pragma once
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "stats/result.hpp"

namespace sipstorm::report {

struct MergeInput {
    std::string name;  // the file, for messages and generator.nodes
    nlohmann::json result;
};

struct MergeOutput {
    nlohmann::json result;
    std::vector<std::string> warnings;  // e.g. shards of the N missing from the inputs
};

// `info` gives the tool version, the command line and the method names (for the per-method counters);
// its other fields are taken from the inputs. False with a one-line `error` when the inputs can't be
// merged (different scenarios or schema versions, a shard twice, a malformed file).
bool merge_results(std::span<const MergeInput> inputs, const stats::RunInfo& info, MergeOutput& out,
                   std::string& error);

}  // namespace sipstorm::report
