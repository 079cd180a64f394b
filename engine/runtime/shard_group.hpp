// Runs the shards: K threads, each pinned to its own CPU, each running the same body with its
// shard index, all watching one stop flag.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace sipstorm::runtime {

class ShardGroup {
  public:
    using Body = std::function<void(unsigned shard)>;

    ShardGroup() = default;
    ShardGroup(const ShardGroup&) = delete;
    ShardGroup& operator=(const ShardGroup&) = delete;
    ~ShardGroup();  // requests stop and joins

    // Starts `count` threads; thread i runs body(i), pinned to the i-th CPU this process may use
    // (wrapping round when count exceeds them). A failed pin is recorded, not fatal: the shard then
    // runs wherever the scheduler puts it. Call once per group.
    void start(unsigned count, Body body);

    // Shards poll this (relaxed is enough: it only ends loops) and return from body.
    const std::atomic<bool>& stop_flag() const { return stop_; }
    bool stop_requested() const { return stop_.load(std::memory_order_relaxed); }
    void request_stop() { stop_.store(true, std::memory_order_relaxed); }

    // Waits for every shard. If a body threw, the first exception is rethrown here (a throwing shard
    // also requests stop, so its siblings wind down instead of running on alone).
    void join();

    unsigned size() const { return static_cast<unsigned>(threads_.size()); }
    // The CPU shard i was pinned to, or -1 if pinning failed. Valid once that shard has started its
    // body, and always after join().
    int cpu_of(unsigned shard) const { return cpu_[shard].load(std::memory_order_acquire); }

    // CPUs this process may run on (its affinity mask), in ascending order.
    static std::vector<int> allowed_cpus();

  private:
    std::vector<std::thread> threads_;
    std::unique_ptr<std::atomic<int>[]> cpu_;
    std::vector<std::exception_ptr> errors_;  // one per shard, each written only by its thread
    std::atomic<bool> stop_{false};
};

}  // namespace sipstorm::runtime
