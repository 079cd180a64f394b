#include "runtime/shard_group.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <stdexcept>
#include <thread>

#include "runtime/signals.hpp"

namespace sipstorm::runtime {
namespace {

TEST(ShardGroup, RunsEveryShardOnceWithItsIndex) {
    std::atomic<unsigned> mask{0};
    std::atomic<unsigned> runs{0};
    ShardGroup g;
    g.start(5, [&](unsigned shard) {
        mask.fetch_or(1u << shard);
        runs.fetch_add(1);
    });
    g.join();
    EXPECT_EQ(g.size(), 5u);
    EXPECT_EQ(mask.load(), 0b11111u);
    EXPECT_EQ(runs.load(), 5u);
}

TEST(ShardGroup, PinsToAllowedCpusWrappingRound) {
    std::vector<int> cpus = ShardGroup::allowed_cpus();
    ASSERT_FALSE(cpus.empty());
    unsigned count = static_cast<unsigned>(cpus.size()) * 2 + 1;  // more shards than CPUs
    ShardGroup g;
    std::vector<int> seen(count, -2);
    g.start(count, [&](unsigned shard) { seen[shard] = sched_getcpu(); });
    g.join();
    for (unsigned i = 0; i < count; ++i) {
        // Pinning may be refused in some containers; when it worked the shard ran on its CPU.
        if (g.cpu_of(i) >= 0) {
            EXPECT_EQ(g.cpu_of(i), cpus[i % cpus.size()]);
            EXPECT_EQ(seen[i], g.cpu_of(i));
        }
    }
}

TEST(ShardGroup, StopFlagEndsLoops) {
    ShardGroup g;
    std::atomic<unsigned> started{0};
    g.start(3, [&](unsigned) {
        started.fetch_add(1);
        while (!g.stop_requested()) std::this_thread::yield();
    });
    while (started.load() < 3) std::this_thread::yield();
    g.request_stop();
    g.join();
    EXPECT_TRUE(g.stop_flag().load());
}

TEST(ShardGroup, ExceptionStopsSiblingsAndIsRethrown) {
    ShardGroup g;
    g.start(3, [&](unsigned shard) {
        if (shard == 1) throw std::runtime_error("boom");
        while (!g.stop_requested()) std::this_thread::yield();
    });
    EXPECT_THROW(g.join(), std::runtime_error);
    EXPECT_NO_THROW(g.join());  // reported once
}

TEST(ShardGroup, DestructorStopsAndJoins) {
    std::atomic<bool> done{false};
    {
        ShardGroup g;
        g.start(2, [&](unsigned) {
            while (!g.stop_requested()) std::this_thread::yield();
            done = true;
        });
    }
    EXPECT_TRUE(done.load());
}

TEST(StopSignals, SetQueryReset) {
    install_stop_signals();
    reset_stop_signal();
    EXPECT_FALSE(stop_signalled());
    raise(SIGINT);  // handled synchronously on this thread
    EXPECT_TRUE(stop_signalled());
    EXPECT_EQ(stop_signal(), SIGINT);
    raise(SIGTERM);
    EXPECT_EQ(stop_signal(), SIGINT);  // the first one is kept
    EXPECT_EQ(stop_signal_count(), 2u);
    reset_stop_signal();
    EXPECT_FALSE(stop_signalled());
    EXPECT_EQ(stop_signal(), 0);
}

}  // namespace
}  // namespace sipstorm::runtime
