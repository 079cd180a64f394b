#include "runtime/timer_wheel.hpp"

#include <algorithm>
#include <bit>

namespace sipstorm::runtime {

TimerWheel::TimerWheel(uint32_t capacity, uint64_t tick_ns, uint64_t start_ns)
    : capacity_(std::min(capacity, kMaxCapacity)),
      tick_ns_(tick_ns == 0 ? 1 : tick_ns),
      start_ns_(start_ns),
      horizon_ns_(start_ns),
      // Value-initialised: touches every page now rather than on the hot path.
      nodes_(std::make_unique<Node[]>(static_cast<size_t>(capacity_) + kLists)) {
    for (uint32_t i = 0; i < capacity_; ++i) {
        Node& n = nodes_[i];
        n.gen = 1;
        n.where = kFree;
        n.next = i + 1 < capacity_ ? i + 1 : kNil;
    }
    free_head_ = capacity_ > 0 ? 0 : kNil;
    for (uint32_t l = 0; l < kLists; ++l) {
        Node& s = nodes_[sentinel(l)];
        s.next = s.prev = sentinel(l);
        s.where = static_cast<uint16_t>(l);
    }
}

void TimerWheel::mark(uint16_t where) {
    occupied_[where / kSlots][(where % kSlots) / 64] |= 1ull << (where % 64);
}

void TimerWheel::unmark_if_empty(uint16_t where) {
    uint32_t s = sentinel(where);
    if (nodes_[s].next == s) occupied_[where / kSlots][(where % kSlots) / 64] &= ~(1ull << (where % 64));
}

void TimerWheel::link(uint32_t i, uint32_t list) {
    // At the tail: timers due in the same tick fire in the order they were scheduled.
    uint32_t s = sentinel(list);
    Node& n = nodes_[i];
    n.where = static_cast<uint16_t>(list);
    n.next = s;
    n.prev = nodes_[s].prev;
    nodes_[n.prev].next = i;
    nodes_[s].prev = i;
    if (list < kDue) {
        mark(static_cast<uint16_t>(list));
        ++in_wheel_;
    }
}

void TimerWheel::unlink(uint32_t i) {
    Node& n = nodes_[i];
    nodes_[n.prev].next = n.next;
    nodes_[n.next].prev = n.prev;
    if (n.where < kDue) {
        unmark_if_empty(n.where);
        --in_wheel_;
    }
}

void TimerWheel::release(uint32_t i) {
    Node& n = nodes_[i];
    n.where = kFree;
    if (++n.gen == 0) n.gen = 1;  // gen 0 could make an id equal kInvalidTimer
    n.next = free_head_;
    free_head_ = i;
    --live_;
}

void TimerWheel::file(uint32_t i) {
    uint64_t tick = nodes_[i].tick;
    uint64_t delta = tick - cur_tick_;
    unsigned level = 0;
    while (level < kLevels - 1 && delta >= (1ull << (kSlotBits * (level + 1)))) ++level;
    uint64_t place = tick;
    if (delta >= (1ull << (kSlotBits * kLevels))) {
        // Beyond the wheel's span: park it as far out as the top level reaches; the cascade re-files
        // it by its real tick when that slot comes round.
        place = cur_tick_ + (1ull << (kSlotBits * kLevels)) - 1;
    }
    uint32_t slot = static_cast<uint32_t>((place >> (kSlotBits * level)) & (kSlots - 1));
    link(i, level * kSlots + slot);
}

TimerId TimerWheel::schedule(uint64_t deadline_ns, uint64_t cookie) {
    if (free_head_ == kNil) return kInvalidTimer;
    uint32_t i = free_head_;
    Node& n = nodes_[i];
    free_head_ = n.next;
    n.cookie = cookie;
    ++live_;
    if (deadline_ns <= horizon_ns_) {
        n.tick = cur_tick_;
        link(i, kDue);
    } else {
        uint64_t d = deadline_ns - start_ns_;
        n.tick = d / tick_ns_ + (d % tick_ns_ != 0);  // round up: never early
        file(i);
    }
    return (static_cast<uint64_t>(n.gen) << 32) | i;
}

bool TimerWheel::cancel(TimerId id) {
    uint32_t i = static_cast<uint32_t>(id);
    if (id == kInvalidTimer || i >= capacity_) return false;
    Node& n = nodes_[i];
    if (n.where == kFree || n.gen != static_cast<uint32_t>(id >> 32)) return false;
    unlink(i);
    release(i);
    return true;
}

void TimerWheel::splice_to_firing(uint32_t list) {
    uint32_t s = sentinel(list);
    if (nodes_[s].next == s) return;
    size_t moved = 0;
    for (uint32_t i = nodes_[s].next; i != s; i = nodes_[i].next) {
        nodes_[i].where = kFiring;
        ++moved;
    }
    uint32_t f = sentinel(kFiring);  // empty: advance() drains it before stepping
    uint32_t first = nodes_[s].next, last = nodes_[s].prev;
    nodes_[f].next = first;
    nodes_[f].prev = last;
    nodes_[first].prev = f;
    nodes_[last].next = f;
    nodes_[s].next = nodes_[s].prev = s;
    if (list < kDue) {
        unmark_if_empty(static_cast<uint16_t>(list));
        in_wheel_ -= moved;
    }
}

void TimerWheel::begin_advance(uint64_t now_ns) {
    horizon_ns_ = std::max(horizon_ns_, now_ns);
    splice_to_firing(kDue);
}

void TimerWheel::cascade(unsigned level) {
    uint32_t list = level * kSlots + static_cast<uint32_t>((cur_tick_ >> (kSlotBits * level)) & (kSlots - 1));
    uint32_t s = sentinel(list);
    // Every node re-files into a lower level (or, if parked, another top slot), never this list.
    while (nodes_[s].next != s) {
        uint32_t i = nodes_[s].next;
        unlink(i);
        file(i);
    }
}

uint32_t TimerWheel::first_slot_from(unsigned level, unsigned from) const {
    const auto& bits = occupied_[level];
    for (unsigned w = from / 64; w < bits.size(); ++w) {
        uint64_t word = bits[w];
        if (w == from / 64) word &= ~0ull << (from % 64);
        if (word != 0) return w * 64 + static_cast<unsigned>(std::countr_zero(word));
    }
    return kSlots;
}

bool TimerWheel::step(uint64_t target_tick) {
    constexpr uint64_t kMask = kSlots - 1;
    while (cur_tick_ < target_tick) {
        if (in_wheel_ == 0) {
            cur_tick_ = target_tick;
            return false;
        }
        if (first_slot_from(0, 0) == kSlots) {
            // Only higher levels hold timers: jump straight to the next cascade that has work.
            uint64_t cascade_tick = first_event_tick(1);
            if (cascade_tick > target_tick) {
                cur_tick_ = target_tick;
                return false;
            }
            cur_tick_ = cascade_tick - 1;
        }
        uint64_t next = cur_tick_ + 1;
        if ((next & kMask) != 0) {
            // Skip empty level-0 slots up to the next slot with timers or the next cascade point.
            uint64_t candidate = (next & ~kMask) + first_slot_from(0, static_cast<unsigned>(next & kMask));
            if (candidate > target_tick) {
                cur_tick_ = target_tick;
                return false;
            }
            next = candidate;
        }
        cur_tick_ = next;
        if ((next & kMask) == 0) {
            unsigned top = 1;
            while (top < kLevels - 1 && ((next >> (kSlotBits * top)) & kMask) == 0) ++top;
            for (unsigned level = top; level >= 1; --level) cascade(level);
        }
        uint32_t list = static_cast<uint32_t>(next & kMask);
        if (nodes_[sentinel(list)].next != sentinel(list)) {
            splice_to_firing(list);
            return true;
        }
    }
    return false;
}

uint64_t TimerWheel::first_event_tick(unsigned from_level) const {
    uint64_t best = UINT64_MAX;
    for (unsigned level = from_level; level < kLevels; ++level) {
        unsigned shift = kSlotBits * level;
        uint64_t base = (cur_tick_ >> shift) + 1;  // the next slot this level will process
        unsigned from = static_cast<unsigned>(base & (kSlots - 1));
        uint32_t s = first_slot_from(level, from);
        if (s == kSlots) s = first_slot_from(level, 0);
        if (s == kSlots) continue;
        // Level 0: the exact expiry tick. Higher levels: the tick the slot cascades at.
        best = std::min(best, (base + ((s - from) & (kSlots - 1))) << shift);
    }
    return best;
}

uint64_t TimerWheel::next_deadline_ns() const {
    if (nodes_[sentinel(kDue)].next != sentinel(kDue)) return horizon_ns_;
    if (in_wheel_ == 0) return kNoDeadline;
    return start_ns_ + first_event_tick(0) * tick_ns_;
}

}  // namespace sipstorm::runtime
