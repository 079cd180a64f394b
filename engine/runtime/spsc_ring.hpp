// Bounded single-producer single-consumer ring: the one channel between shards, for the rare message
// that lands on the wrong shard. Lock-free and allocation-free after construction. Exactly one thread
// may push and exactly one (other) thread may pop.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace sipstorm::runtime {

template <class T>
class SpscRing {
    static_assert(std::is_default_constructible_v<T> && std::is_move_assignable_v<T>);

  public:
    // capacity is rounded up to a power of two (at least 2) so indices wrap with a mask.
    explicit SpscRing(size_t capacity) : mask_(round_up(capacity) - 1), slots_(new T[mask_ + 1]) {}
    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    size_t capacity() const { return mask_ + 1; }

    // Producer side. False when full.
    bool try_push(T value) {
        size_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_cache_ > mask_) {
            // Refresh the cached head only when the ring looks full: keeps the consumer's cache line
            // out of the producer's way.
            head_cache_ = head_.load(std::memory_order_acquire);
            if (tail - head_cache_ > mask_) return false;
        }
        slots_[tail & mask_] = std::move(value);
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    // Consumer side. False when empty.
    bool try_pop(T& out) {
        size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_cache_) {
            tail_cache_ = tail_.load(std::memory_order_acquire);
            if (head == tail_cache_) return false;
        }
        out = std::move(slots_[head & mask_]);
        head_.store(head + 1, std::memory_order_release);
        return true;
    }

    // Consumer side: pops up to max items into out[], publishing the new head once. Returns the count.
    size_t pop_batch(T* out, size_t max) {
        size_t head = head_.load(std::memory_order_relaxed);
        if (tail_cache_ - head < max) tail_cache_ = tail_.load(std::memory_order_acquire);
        size_t n = std::min(max, tail_cache_ - head);
        for (size_t i = 0; i < n; ++i) out[i] = std::move(slots_[(head + i) & mask_]);
        if (n > 0) head_.store(head + n, std::memory_order_release);
        return n;
    }

    // Approximate when called concurrently; exact when both sides are quiet.
    size_t size() const {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    bool empty() const { return size() == 0; }

  private:
    static size_t round_up(size_t n) {
        size_t c = 2;
        while (c < n) c <<= 1;
        return c;
    }
    static constexpr size_t kLine = 64;

    const size_t mask_;
    const std::unique_ptr<T[]> slots_;
    // Each side's index and its cache of the other's index share a line owned by that side.
    alignas(kLine) std::atomic<size_t> tail_{0};  // written by the producer
    size_t head_cache_ = 0;                       // producer's view of head_
    alignas(kLine) std::atomic<size_t> head_{0};  // written by the consumer
    size_t tail_cache_ = 0;                       // consumer's view of tail_
};

}  // namespace sipstorm::runtime
