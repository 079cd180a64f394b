#include "runtime/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sipstorm::runtime {
namespace {

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
    EXPECT_EQ(SpscRing<int>(0).capacity(), 2u);
    EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
    EXPECT_EQ(SpscRing<int>(64).capacity(), 64u);
}

TEST(SpscRing, FifoFullAndEmpty) {
    SpscRing<int> r(4);
    int v = 0;
    EXPECT_FALSE(r.try_pop(v));
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.try_push(i));
    EXPECT_FALSE(r.try_push(99));
    EXPECT_EQ(r.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(r.try_pop(v));
        EXPECT_EQ(v, i);
    }
    EXPECT_FALSE(r.try_pop(v));
    EXPECT_TRUE(r.empty());
}

TEST(SpscRing, WrapsAroundManyTimes) {
    SpscRing<uint64_t> r(8);
    uint64_t next_in = 0, next_out = 0, v = 0;
    for (int round = 0; round < 1000; ++round) {
        for (int i = 0; i < 5; ++i) ASSERT_TRUE(r.try_push(next_in++));
        for (int i = 0; i < 5; ++i) {
            ASSERT_TRUE(r.try_pop(v));
            ASSERT_EQ(v, next_out++);
        }
    }
}

TEST(SpscRing, PopBatch) {
    SpscRing<int> r(8);
    for (int i = 0; i < 6; ++i) r.try_push(i);
    int out[4];
    EXPECT_EQ(r.pop_batch(out, 4), 4u);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[3], 3);
    for (int i = 6; i < 10; ++i) EXPECT_TRUE(r.try_push(i));  // wraps
    EXPECT_EQ(r.pop_batch(out, 4), 4u);
    EXPECT_EQ(out[0], 4);
    EXPECT_EQ(out[3], 7);
    EXPECT_EQ(r.pop_batch(out, 4), 2u);
    EXPECT_EQ(out[1], 9);
    EXPECT_EQ(r.pop_batch(out, 4), 0u);
}

TEST(SpscRing, MoveOnlyPayload) {
    SpscRing<std::unique_ptr<int>> r(2);
    EXPECT_TRUE(r.try_push(std::make_unique<int>(7)));
    std::unique_ptr<int> out;
    ASSERT_TRUE(r.try_pop(out));
    EXPECT_EQ(*out, 7);
}

// Correctness under real concurrency: every item arrives once, in order. No timing assertions.
TEST(SpscRing, TwoThreadStress) {
    constexpr uint64_t kItems = 2'000'000;
    SpscRing<uint64_t> r(1024);
    std::thread producer([&] {
        for (uint64_t i = 0; i < kItems;) {
            if (r.try_push(i))
                ++i;
            else
                std::this_thread::yield();
        }
    });
    uint64_t expected = 0, sum = 0;
    std::vector<uint64_t> batch(37);
    bool in_order = true;
    while (expected < kItems) {
        size_t n =
            (expected % 3 == 0) ? r.pop_batch(batch.data(), batch.size()) : (r.try_pop(batch[0]) ? 1 : 0);
        if (n == 0) std::this_thread::yield();
        for (size_t i = 0; i < n; ++i) {
            in_order &= batch[i] == expected;
            sum += batch[i];
            ++expected;
        }
    }
    producer.join();
    EXPECT_TRUE(in_order);
    EXPECT_EQ(sum, kItems * (kItems - 1) / 2);
    EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace sipstorm::runtime
