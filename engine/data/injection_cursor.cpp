#include "data/injection_cursor.hpp"

namespace sipstorm::data {
namespace {

const Row kEmptyRow{};

uint64_t shard_seed(uint64_t seed, unsigned shard) {
    uint64_t s = seed ^ (0x9E3779B97F4A7C15ull * (uint64_t{shard} + 1));
    return runtime::splitmix64(s);
}

}  // namespace

InjectionCursor::InjectionCursor(const InjectionFile& file, unsigned shard, unsigned shards, uint64_t seed)
    : file_(&file), rng_(shard_seed(seed, shards == 0 ? 0 : shard % shards)) {
    const uint64_t k = shards == 0 ? 1 : shards;
    const uint64_t i = shard % k;
    const uint64_t n = file.rows();
    if (n >= k) {
        first_ = i;
        stride_ = k;
        count_ = (n - i + k - 1) / k;
    } else if (n > 0) {
        first_ = i % n;
        stride_ = 1;
        count_ = n;
    }
}

const Row& InjectionCursor::at(uint64_t pos) const {
    if (count_ == 0) return kEmptyRow;
    return file_->row((first_ + pos * stride_) % file_->rows());
}

const Row& InjectionCursor::next() {
    if (count_ == 0) return kEmptyRow;
    if (file_->mode() == InjectionMode::kRandom) {
        // Lemire's multiply-shift: uniform in [0, count_) up to a bias of count_ / 2^64.
        const auto pick = static_cast<uint64_t>((static_cast<unsigned __int128>(rng_.next()) * count_) >> 64);
        return at(pick);
    }
    const Row& r = at(pos_);
    if (++pos_ == count_) pos_ = 0;
    return r;
}

const Row& InjectionCursor::for_call(uint64_t call_number) {
    if (file_->mode() != InjectionMode::kUser) return next();
    if (file_->rows() == 0) return kEmptyRow;
    return file_->row(call_number % file_->rows());
}

}  // namespace sipstorm::data
