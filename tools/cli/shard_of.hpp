// run --shard-of I/N: this process is shard I (0-based) of N processes or machines running one load
// test together (a Kubernetes Indexed Job: I from JOB_COMPLETION_INDEX, N from --shards-total). Each
// takes its share of the rate or of the concurrency, its slice of the --inf rows and its part of an
// address range, and writes I/N into its result file; `sipstorm merge` adds the results up.
#pragma once
#include <cstdint>
#include <string>

namespace sipstorm::cli {

struct ShardOf {
    bool set = false;
    uint32_t index = 0;
    uint32_t total = 1;
};

// From --shard-of "I/N" (empty: not given) or, without it, --shards-total N (0: not given) with I from
// the environment variable JOB_COMPLETION_INDEX (`job_index`, null when unset). Throws UsageError.
ShardOf parse_shard_of(const std::string& shard_of, uint32_t shards_total, const char* job_index);

// This shard's part of a whole-run amount (calls, a concurrency cap): the remainder goes to the
// first shards, so the parts add up to `total`.
uint64_t share_of(uint64_t total, const ShardOf& s);

// A Call-ID run id that is I modulo N: the N processes' Call-IDs, tags and branches never collide.
uint32_t run_id_for(uint32_t random, const ShardOf& s);

// This shard's part of an IPv4 range "A-B" (contiguous, the remainder to the first shards); a single
// address or an IPv6 part (after a comma) is left as it is. Throws UsageError when the range has fewer
// addresses than shards.
std::string range_part(const std::string& range, const ShardOf& s, const char* option);

}  // namespace sipstorm::cli
