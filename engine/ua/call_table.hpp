// A shard's calls: a fixed-capacity table of Call slots in lazily committed memory (pages are touched
// only as calls use them, so RSS follows the live call count), a LIFO free list that keeps reuse in
// warm memory, and an index from a peer-chosen Call-ID to its slot (a UAC's own Call-IDs carry their
// slot, so they need no index).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "ua/call.hpp"

namespace sipstorm::ua {

class CallTable {
  public:
    // arena_extra: bytes each call's arena gets beyond Call::arena (rounded up to 64).
    explicit CallTable(uint32_t capacity, size_t arena_extra = 0);
    ~CallTable();
    CallTable(const CallTable&) = delete;
    CallTable& operator=(const CallTable&) = delete;

    // A fresh slot (state kActive, new generation, everything else reset), or nullptr when full.
    Call* allocate();
    // Frees the slot; also drops its Call-ID from the index if it was indexed.
    void release(Call& call);

    Call* at(uint32_t index) { return index < high_water_ ? slot(index) : nullptr; }
    // The live call in slot `index` with this generation, or nullptr.
    Call* find(uint32_t index, uint32_t generation) {
        Call* c = at(index);
        return c && c->state == CallState::kActive && c->generation == generation ? c : nullptr;
    }

    // Call-ID index (UAS side): the call must hold the Call-ID in its kCallId field.
    bool index_call_id(Call& call);
    Call* find_by_call_id(std::string_view call_id);

    uint32_t capacity() const { return capacity_; }
    // The hash the index uses; also decides which shard owns a peer-chosen Call-ID.
    static uint32_t hash(std::string_view s);
    uint32_t live() const { return live_; }
    uint32_t high_water() const { return high_water_; }  // slots ever used (committed memory)

  private:
    struct Slot {
        uint32_t hash = 0;
        uint32_t index_plus_one = 0;  // 0 = empty
    };
    void unindex(const Call& call);
    Call* slot(uint32_t index) {
        return reinterpret_cast<Call*>(base_ + static_cast<size_t>(index) * stride_);
    }

    char* base_ = nullptr;
    size_t stride_ = sizeof(Call);
    uint16_t arena_cap_ = kArenaBytes;
    size_t mapped_bytes_ = 0;
    uint32_t capacity_;
    uint32_t high_water_ = 0;
    uint32_t live_ = 0;
    std::vector<uint32_t> free_;
    std::vector<Slot> index_;  // open addressing, linear probing, power-of-two size
    uint32_t index_mask_ = 0;
};

}  // namespace sipstorm::ua
