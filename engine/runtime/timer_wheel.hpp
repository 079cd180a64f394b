// A per-shard hierarchical timing wheel: O(1) schedule and cancel, amortised O(1) expiry, no
// allocation after construction. Owned and used by one thread only.
//
// Four levels of 256 slots cover 2^32 ticks (49 days at 1 ms); a timer further out is parked in the
// top level and re-filed each time its slot comes round, so any deadline works. Timers are nodes in
// one preallocated array linked into circular lists (a sentinel per slot), so cancel is an unlink.
//
// Guarantees: a timer never fires before its deadline; it fires during the first advance() whose now
// has reached the deadline rounded up to a tick boundary (so at most one tick late, plus however late
// the caller calls advance()). A timer scheduled for a time at or before the latest now given to
// advance() (including from inside a fire callback) fires on the next advance() call: callbacks
// never recurse and one advance() always terminates.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace sipstorm::runtime {

// Generation in the high 32 bits, node index in the low 32: a stale id (its timer fired or was
// cancelled, the node reused) no longer matches the node's generation.
using TimerId = uint64_t;
inline constexpr TimerId kInvalidTimer = 0;
inline constexpr uint64_t kNoDeadline = UINT64_MAX;

class TimerWheel {
  public:
    static constexpr uint64_t kDefaultTickNs = 1'000'000;
    static constexpr uint32_t kMaxCapacity = 0xFFFF'0000u;  // node indices leave room for list sentinels

    // capacity: most timers pending at once (32 bytes each, allocated here; at most kMaxCapacity).
    // tick_ns: resolution. start_ns: time of tick 0.
    TimerWheel(uint32_t capacity, uint64_t tick_ns, uint64_t start_ns);
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    // kInvalidTimer when all `capacity` timers are pending.
    TimerId schedule(uint64_t deadline_ns, uint64_t cookie);
    // False when the timer already fired, was cancelled, or the id is invalid.
    bool cancel(TimerId id);

    // Calls fire(cookie) for every due timer and returns how many fired. fire may schedule and
    // cancel timers (including ones due in this same call) but must not call advance().
    template <class F>
    size_t advance(uint64_t now_ns, F&& fire);

    // No timer fires before this time (kNoDeadline when none is pending), so the loop may sleep until
    // then. Exact for timers within 256 ticks; for further ones it may be early, never late.
    uint64_t next_deadline_ns() const;

    size_t size() const { return live_; }
    uint32_t capacity() const { return capacity_; }
    uint64_t tick_ns() const { return tick_ns_; }

  private:
    static constexpr unsigned kLevels = 4;
    static constexpr unsigned kSlotBits = 8;
    static constexpr unsigned kSlots = 1u << kSlotBits;
    static constexpr uint32_t kNil = UINT32_MAX;
    // Where a node is: 0..kLevels*kSlots-1 a wheel slot, or one of these.
    static constexpr uint16_t kDue = kLevels * kSlots;  // deadline already reached: fires next advance
    static constexpr uint16_t kFiring = kDue + 1;       // detached by the running advance()
    static constexpr uint16_t kFree = kDue + 2;
    static constexpr uint32_t kLists = kFree;  // lists with a sentinel: slots, due, firing

    struct Node {
        uint64_t tick;  // expiry tick (absolute)
        uint64_t cookie;
        uint32_t next;
        uint32_t prev;
        uint32_t gen;
        uint16_t where;
    };

    uint32_t sentinel(uint32_t list) const { return capacity_ + list; }
    void link(uint32_t i, uint32_t list);
    void unlink(uint32_t i);
    void release(uint32_t i);
    void file(uint32_t i);                 // into the wheel slot for nodes_[i].tick, relative to cur_
    void splice_to_firing(uint32_t list);  // moves a whole list onto the (empty) firing list
    void cascade(unsigned level);
    bool step(uint64_t target_tick);  // next non-empty tick up to target moved to firing; false when done
    uint32_t first_slot_from(unsigned level, unsigned from) const;  // kSlots when none
    uint64_t first_event_tick(unsigned from_level) const;           // next expiry/cascade tick with timers
    void mark(uint16_t where);
    void unmark_if_empty(uint16_t where);

    // Pops the first firing timer and frees it; returns its cookie. Precondition: firing list non-empty.
    uint64_t pop_firing() {
        uint32_t i = nodes_[sentinel(kFiring)].next;
        uint64_t cookie = nodes_[i].cookie;
        unlink(i);
        release(i);
        return cookie;
    }
    bool firing_empty() const { return nodes_[sentinel(kFiring)].next == sentinel(kFiring); }
    void begin_advance(uint64_t now_ns);

    uint32_t capacity_;
    uint64_t tick_ns_;
    uint64_t start_ns_;
    uint64_t cur_tick_ = 0;          // every slot up to and including this tick has been processed
    uint64_t horizon_ns_;            // latest now seen; deadlines at or before it are already due
    std::unique_ptr<Node[]> nodes_;  // capacity_ timers, then one sentinel per list
    uint32_t free_head_ = kNil;
    size_t live_ = 0;
    size_t in_wheel_ = 0;  // nodes in wheel slots (not due/firing): lets advance() skip idle time
    std::array<std::array<uint64_t, kSlots / 64>, kLevels> occupied_{};  // non-empty slot bitmap
};

template <class F>
size_t TimerWheel::advance(uint64_t now_ns, F&& fire) {
    begin_advance(now_ns);  // detaches the due list onto the firing list
    size_t fired = 0;
    uint64_t target = (horizon_ns_ - start_ns_) / tick_ns_;
    for (;;) {
        while (!firing_empty()) {
            fire(pop_firing());
            ++fired;
        }
        if (!step(target)) break;
    }
    return fired;
}

}  // namespace sipstorm::runtime
