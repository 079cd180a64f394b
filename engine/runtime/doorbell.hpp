// Wakes a shard sleeping in its wait from another thread: an eventfd in the shard's wait set, rung
// only while the shard says it is (about to be) asleep, so a busy shard costs its peers no syscall.
//
// Protocol (Dekker, with a seq_cst fence on both sides, so at least one side sees the other):
//   sleeper:  begin_sleep(); if (work arrived meanwhile) skip the wait; wait on fd(); end_sleep()
//   waker:    publish the work (e.g. push to a ring); ring_if_sleeping()
#pragma once
#include <atomic>

namespace sipstorm::runtime {

class Doorbell {
  public:
    Doorbell();  // fd() < 0 when no eventfd could be made: then ring() does nothing
    ~Doorbell();
    Doorbell(const Doorbell&) = delete;
    Doorbell& operator=(const Doorbell&) = delete;

    int fd() const { return fd_; }

    // --- the sleeping thread ---
    void begin_sleep() {
        sleeping_.store(true, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    void end_sleep() { sleeping_.store(false, std::memory_order_relaxed); }
    void clear();  // after fd() was readable

    // --- any thread ---
    void ring();  // always (stop requests: rare)
    void ring_if_sleeping() {
        std::atomic_thread_fence(std::memory_order_seq_cst);
        if (sleeping_.load(std::memory_order_relaxed)) ring();
    }

  private:
    int fd_ = -1;
    std::atomic<bool> sleeping_{false};
};

}  // namespace sipstorm::runtime
