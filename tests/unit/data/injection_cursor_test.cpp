#include "data/injection_cursor.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace sipstorm::data {
namespace {

InjectionFile make(const std::string& mode, int rows) {
    std::string text = mode + "\n";
    for (int i = 0; i < rows; ++i) text += "u" + std::to_string(i) + ";p" + std::to_string(i) + "\n";
    InjectionFile f;
    std::string error;
    EXPECT_TRUE(parse_injection("t.csv", {text.begin(), text.end()}, f, error)) << error;
    return f;
}

TEST(InjectionCursor, SequentialSingleShardWraps) {
    const InjectionFile f = make("SEQUENTIAL", 3);
    InjectionCursor c(f, 0, 1, 1);
    EXPECT_EQ(c.next()[0], "u0");
    EXPECT_EQ(c.next()[0], "u1");
    EXPECT_EQ(c.next()[0], "u2");
    EXPECT_EQ(c.next()[0], "u0");
    EXPECT_EQ(c.for_call(77)[0], "u1");  // not USER: for_call is next()
}

// run --shard-of: process p of P owns rows p, p+P, ... whatever its shard count (its shard i is slice
// p + P*i of P*K); two processes never use the same row.
TEST(InjectionCursor, ProcessesTakeDisjointSlices) {
    const InjectionFile f = make("SEQUENTIAL", 20);
    const unsigned processes = 2, shards_of[] = {1, 3};
    std::set<uint32_t> seen;
    for (unsigned p = 0; p < processes; ++p)
        for (unsigned i = 0; i < shards_of[p]; ++i) {
            InjectionCursor c(f, p + processes * i, processes * shards_of[p], 1);
            for (size_t n = 0; n < c.slice_size(); ++n) {
                const Row& r = c.next();
                EXPECT_EQ(r.index % processes, p);
                EXPECT_TRUE(seen.insert(r.index).second) << "row " << r.index << " twice";
            }
        }
    EXPECT_EQ(seen.size(), 20u);
}

TEST(InjectionCursor, SequentialShardsAreDisjointAndCoverTheFile) {
    const InjectionFile f = make("SEQUENTIAL", 10);
    std::set<uint32_t> seen;
    size_t total = 0;
    for (unsigned shard = 0; shard < 4; ++shard) {
        InjectionCursor c(f, shard, 4, 9);
        EXPECT_EQ(c.slice_size(), shard < 2 ? 3u : 2u);  // 10 rows over 4 shards: 3,3,2,2
        total += c.slice_size();
        std::set<uint32_t> mine;
        for (size_t i = 0; i < 2 * c.slice_size(); ++i) {
            const Row& r = c.next();
            EXPECT_EQ(r.index % 4, shard);  // rows shard, shard+4, shard+8
            mine.insert(r.index);
        }
        EXPECT_EQ(mine.size(), c.slice_size());  // wrapped within its own slice
        for (uint32_t i : mine) EXPECT_TRUE(seen.insert(i).second) << "row " << i << " on two shards";
    }
    EXPECT_EQ(total, 10u);
    EXPECT_EQ(seen.size(), 10u);
    InjectionCursor c1(f, 1, 4, 9);
    EXPECT_EQ(c1.next()[0], "u1");
    EXPECT_EQ(c1.next()[0], "u5");
    EXPECT_EQ(c1.next()[0], "u9");
    EXPECT_EQ(c1.next()[0], "u1");
}

TEST(InjectionCursor, FewerRowsThanShardsShareRows) {
    const InjectionFile f = make("SEQUENTIAL", 2);
    InjectionCursor c(f, 3, 4, 0);  // shard 3 of 4, 2 rows: walks the whole file from row 3 mod 2 = 1
    EXPECT_EQ(c.slice_size(), 2u);
    EXPECT_EQ(c.next()[0], "u1");
    EXPECT_EQ(c.next()[0], "u0");
    EXPECT_EQ(c.next()[0], "u1");
    InjectionCursor c0(f, 0, 4, 0);
    EXPECT_EQ(c0.next()[0], "u0");
}

TEST(InjectionCursor, RandomStaysInSliceIsUniformAndSeeded) {
    const InjectionFile f = make("RANDOM", 40);
    InjectionCursor a(f, 2, 4, 1234), b(f, 2, 4, 1234), other(f, 2, 4, 99);
    std::map<uint32_t, int> counts;
    bool differs = false;
    for (int i = 0; i < 100000; ++i) {
        const Row& r = a.next();
        EXPECT_EQ(&r, &b.next());  // same seed, same sequence
        differs |= &r != &other.next();
        ASSERT_EQ(r.index % 4, 2u);
        ++counts[r.index];
    }
    EXPECT_TRUE(differs);
    ASSERT_EQ(counts.size(), 10u);  // the shard's 10 rows, all of them
    for (const auto& [row, n] : counts) EXPECT_NEAR(n, 10000, 600) << "row " << row;  // ~6 sigma
}

TEST(InjectionCursor, RandomShardsDifferForTheSameSeed) {
    const InjectionFile f = make("RANDOM", 5);
    InjectionCursor a(f, 0, 2, 7), b(f, 1, 2, 7);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(a.next().index % 2, 0u);
        EXPECT_EQ(b.next().index % 2, 1u);
    }
    InjectionCursor one(f, 3, 8, 7);  // 5 rows, 8 shards: the whole file
    std::set<uint32_t> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(one.next().index);
    EXPECT_EQ(seen.size(), 5u);
}

TEST(InjectionCursor, UserTiesRowToCallNumber) {
    const InjectionFile f = make("USER", 5);
    InjectionCursor s0(f, 0, 3, 1), s2(f, 2, 3, 1);
    EXPECT_EQ(s0.for_call(0)[0], "u0");
    EXPECT_EQ(s2.for_call(3)[0], "u3");
    EXPECT_EQ(s0.for_call(3)[0], "u3");   // same row on every shard
    EXPECT_EQ(s2.for_call(12)[0], "u2");  // 12 mod 5
    EXPECT_EQ(s2.for_call(12).index, 2u);
    EXPECT_EQ(s2.next()[0], "u2");  // next() in USER mode walks the slice
    EXPECT_EQ(s2.next()[0], "u2");  // slice of shard 2 of 3 over 5 rows: {2}
}

TEST(InjectionCursor, DegenerateArguments) {
    const InjectionFile f = make("SEQUENTIAL", 3);
    InjectionCursor zero(f, 5, 0, 1);  // shards 0 -> 1
    EXPECT_EQ(zero.slice_size(), 3u);
    InjectionCursor wrap(f, 4, 3, 1);  // shard 4 of 3 -> shard 1
    EXPECT_EQ(wrap.next()[0], "u1");
    const InjectionFile empty;
    InjectionCursor none(empty, 0, 1, 1);
    EXPECT_EQ(none.next().size(), 0u);
    EXPECT_EQ(none.for_call(5).size(), 0u);
}

}  // namespace
}  // namespace sipstorm::data
