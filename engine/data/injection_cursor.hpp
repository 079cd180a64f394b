// One shard's way through an injection file. Shard i of K owns rows i, i+K, i+2K, ... (its slice):
//   SEQUENTIAL  next() walks the slice in order and wraps to its start, so no two shards ever use
//               the same row. With fewer rows than shards (N < K) that is impossible: each shard then
//               walks the whole file from row i mod N, and shards share rows.
//   RANDOM      next() picks uniformly from the slice (the whole file when N < K), from a PRNG seeded
//               by (seed, shard): runs are reproducible.
//   USER        for_call(n) is row n mod N of the whole file, the same on every shard (call numbers
//               are global). next() walks the slice as SEQUENTIAL does.
// for_call(n) is what the engine calls once per new call: USER by call number, else next(). Store
// the row's index (4 bytes) in the call to find it again. No allocation; one cursor per shard per file.
#pragma once
#include <cstdint>

#include "data/injection_file.hpp"
#include "runtime/prng.hpp"

namespace sipstorm::data {

class InjectionCursor {
  public:
    // shards == 0 counts as 1; shard is taken modulo shards. file must outlive the cursor.
    InjectionCursor(const InjectionFile& file, unsigned shard, unsigned shards, uint64_t seed);

    const Row& next();
    const Row& for_call(uint64_t call_number);

    size_t slice_size() const { return count_; }  // rows this shard cycles through

  private:
    const Row& at(uint64_t pos) const;

    const InjectionFile* file_;
    uint64_t first_ = 0, stride_ = 1, count_ = 0, pos_ = 0;
    runtime::Xoshiro256 rng_;
};

}  // namespace sipstorm::data
