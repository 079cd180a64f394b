#include "ua/call_table.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <new>

namespace sipstorm::ua {

CallTable::CallTable(uint32_t capacity, size_t arena_extra) : capacity_(capacity) {
    arena_extra = std::min((arena_extra + 63) / 64 * 64, kMaxArenaBytes - kArenaBytes);
    stride_ = (sizeof(Call) + arena_extra + alignof(Call) - 1) / alignof(Call) * alignof(Call);
    arena_cap_ = static_cast<uint16_t>(kArenaBytes + arena_extra);
    mapped_bytes_ = stride_ * static_cast<size_t>(capacity);
    void* p = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();  // construction happens at start-up, before any shard runs
    base_ = static_cast<char*>(p);
    free_.reserve(1024);
}

CallTable::~CallTable() {
    if (base_) munmap(base_, mapped_bytes_);
}

Call* CallTable::allocate() {
    Call* c;
    if (!free_.empty()) {
        c = slot(free_.back());
        free_.pop_back();
    } else if (high_water_ < capacity_) {
        c = slot(high_water_);
        c->index = high_water_++;
        c->generation = 0;
    } else {
        return nullptr;
    }
    const uint32_t index = c->index;
    const uint32_t generation = (c->generation + 1) & 0xffffff;  // 24 bits travel in our Call-IDs
    // Default-initialisation resets every member but the arena, which is written before it is read.
    new (c) Call;
    c->index = index;
    c->generation = generation;
    c->arena_cap = arena_cap_;
    c->state = CallState::kActive;
    ++live_;
    return c;
}

void CallTable::release(Call& call) {
    if (call.state != CallState::kActive) return;
    if (call.has_field(static_cast<unsigned>(Field::kCallId))) unindex(call);
    call.state = CallState::kFree;
    --live_;
    free_.push_back(call.index);
}

uint32_t CallTable::hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then folded: Call-IDs are short
    for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
    return static_cast<uint32_t>(h ^ (h >> 32));
}

bool CallTable::index_call_id(Call& call) {
    if (index_.empty()) {
        size_t n = std::bit_ceil(static_cast<size_t>(capacity_) * 2);
        index_.resize(n);
        index_mask_ = static_cast<uint32_t>(n - 1);
    }
    const uint32_t h = hash(call.field(static_cast<unsigned>(Field::kCallId)));
    for (uint32_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
        if (index_[i].index_plus_one == 0) {
            index_[i] = {h, call.index + 1};
            return true;
        }
    }
}

Call* CallTable::find_by_call_id(std::string_view call_id) {
    if (index_.empty()) return nullptr;
    const uint32_t h = hash(call_id);
    for (uint32_t i = h & index_mask_; index_[i].index_plus_one != 0; i = (i + 1) & index_mask_) {
        if (index_[i].hash != h) continue;
        Call& c = *slot(index_[i].index_plus_one - 1);
        if (c.state == CallState::kActive && c.field(static_cast<unsigned>(Field::kCallId)) == call_id)
            return &c;
    }
    return nullptr;
}

void CallTable::unindex(const Call& call) {
    const uint32_t h = hash(call.field(static_cast<unsigned>(Field::kCallId)));
    uint32_t i = h & index_mask_;
    while (index_[i].index_plus_one != 0 && index_[i].index_plus_one != call.index + 1)
        i = (i + 1) & index_mask_;
    if (index_[i].index_plus_one == 0) return;
    // Backward-shift deletion keeps probe chains intact without tombstones.
    uint32_t hole = i;
    for (uint32_t j = (i + 1) & index_mask_; index_[j].index_plus_one != 0; j = (j + 1) & index_mask_) {
        uint32_t home = index_[j].hash & index_mask_;
        bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            index_[hole] = index_[j];
            hole = j;
        }
    }
    index_[hole] = {};
}

}  // namespace sipstorm::ua
