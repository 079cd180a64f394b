#include "runtime/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <unordered_map>
#include <vector>

namespace sipstorm::runtime {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStart = 1'000'000'000'000ull;  // an arbitrary non-zero monotonic time

std::vector<uint64_t> advance(TimerWheel& w, uint64_t now) {
    std::vector<uint64_t> fired;
    size_t n = w.advance(now, [&](uint64_t cookie) { fired.push_back(cookie); });
    EXPECT_EQ(n, fired.size());
    return fired;
}

TEST(TimerWheel, NeverEarlyAtMostOneTickLate) {
    TimerWheel w(16, kMs, kStart);
    w.schedule(kStart + 5 * kMs + kMs / 2, 7);  // 5.5 ms
    EXPECT_TRUE(advance(w, kStart + 5 * kMs).empty());
    EXPECT_TRUE(advance(w, kStart + 5 * kMs + kMs / 2 + 1).empty());  // due, but tick 6 not reached
    EXPECT_EQ(advance(w, kStart + 6 * kMs), std::vector<uint64_t>{7});
    EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, ExactTickBoundaryFiresOnTime) {
    TimerWheel w(16, kMs, kStart);
    w.schedule(kStart + 3 * kMs, 1);
    EXPECT_TRUE(advance(w, kStart + 3 * kMs - 1).empty());
    EXPECT_EQ(advance(w, kStart + 3 * kMs), std::vector<uint64_t>{1});
}

TEST(TimerWheel, PastDeadlineFiresOnNextAdvance) {
    TimerWheel w(16, kMs, kStart);
    advance(w, kStart + 100 * kMs);
    w.schedule(kStart + 50 * kMs, 1);
    w.schedule(kStart, 2);
    EXPECT_LE(w.next_deadline_ns(), kStart + 100 * kMs);
    EXPECT_EQ(advance(w, kStart + 100 * kMs), (std::vector<uint64_t>{1, 2}));
}

TEST(TimerWheel, SameTickFiresInScheduleOrder) {
    TimerWheel w(16, kMs, kStart);
    for (uint64_t c = 0; c < 5; ++c) w.schedule(kStart + 10 * kMs, c);
    EXPECT_EQ(advance(w, kStart + 10 * kMs), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
}

TEST(TimerWheel, CancelAndStaleIds) {
    TimerWheel w(16, kMs, kStart);
    TimerId a = w.schedule(kStart + 10 * kMs, 1);
    TimerId b = w.schedule(kStart + 10 * kMs, 2);
    EXPECT_EQ(w.size(), 2u);
    EXPECT_TRUE(w.cancel(a));
    EXPECT_FALSE(w.cancel(a));
    EXPECT_FALSE(w.cancel(kInvalidTimer));
    EXPECT_FALSE(w.cancel(0xFFFF'FFFF'0000'0FFFull));  // index out of range
    EXPECT_EQ(w.size(), 1u);
    EXPECT_EQ(advance(w, kStart + 10 * kMs), std::vector<uint64_t>{2});
    EXPECT_FALSE(w.cancel(b));  // already fired
}

TEST(TimerWheel, GenerationDistinguishesReusedNode) {
    TimerWheel w(1, kMs, kStart);
    TimerId a = w.schedule(kStart + kMs, 1);
    ASSERT_NE(a, kInvalidTimer);
    ASSERT_TRUE(w.cancel(a));
    TimerId b = w.schedule(kStart + kMs, 2);
    ASSERT_NE(b, kInvalidTimer);
    EXPECT_NE(a, b);
    EXPECT_EQ(static_cast<uint32_t>(a), static_cast<uint32_t>(b));  // same node
    EXPECT_FALSE(w.cancel(a));                                      // must not cancel b
    EXPECT_EQ(w.size(), 1u);
    EXPECT_TRUE(w.cancel(b));
}

TEST(TimerWheel, CapacityExhaustion) {
    TimerWheel w(3, kMs, kStart);
    EXPECT_NE(w.schedule(kStart + kMs, 1), kInvalidTimer);
    EXPECT_NE(w.schedule(kStart + 2 * kMs, 2), kInvalidTimer);
    EXPECT_NE(w.schedule(kStart + 3 * kMs, 3), kInvalidTimer);
    EXPECT_EQ(w.schedule(kStart + 4 * kMs, 4), kInvalidTimer);
    EXPECT_EQ(w.size(), 3u);
    EXPECT_EQ(advance(w, kStart + kMs), std::vector<uint64_t>{1});
    EXPECT_NE(w.schedule(kStart + 4 * kMs, 4), kInvalidTimer);
    EXPECT_EQ(advance(w, kStart + 10 * kMs), (std::vector<uint64_t>{2, 3, 4}));

    TimerWheel empty(0, kMs, kStart);
    EXPECT_EQ(empty.schedule(kStart + kMs, 1), kInvalidTimer);
    EXPECT_EQ(empty.next_deadline_ns(), kNoDeadline);
}

TEST(TimerWheel, CancelInsideFire) {
    TimerWheel w(16, kMs, kStart);
    TimerId second = kInvalidTimer;
    w.schedule(kStart + 5 * kMs, 1);
    second = w.schedule(kStart + 5 * kMs, 2);
    TimerId later = w.schedule(kStart + 7 * kMs, 3);
    std::vector<uint64_t> fired;
    bool cancelled_second = false, cancelled_later = false;
    w.advance(kStart + 10 * kMs, [&](uint64_t c) {
        fired.push_back(c);
        if (c == 1) {
            cancelled_second = w.cancel(second);
            cancelled_later = w.cancel(later);
        }
    });
    EXPECT_TRUE(cancelled_second);
    EXPECT_TRUE(cancelled_later);
    EXPECT_EQ(fired, std::vector<uint64_t>{1});
    EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, FiringTimerCannotBeCancelledFromItsOwnCallback) {
    TimerWheel w(4, kMs, kStart);
    TimerId self = w.schedule(kStart + kMs, 1);
    bool result = true;
    w.advance(kStart + kMs, [&](uint64_t) { result = w.cancel(self); });
    EXPECT_FALSE(result);
}

TEST(TimerWheel, ScheduleInsideFireDueNowFiresOnNextAdvance) {
    TimerWheel w(16, kMs, kStart);
    w.schedule(kStart + 2 * kMs, 1);
    int depth = 0;
    auto fire = [&](uint64_t c) {
        EXPECT_EQ(depth, 0);  // never recursive
        ++depth;
        if (c < 4) {
            // Already due (in the past / now / inside the window this advance covers).
            w.schedule(kStart + c * kMs, c + 1);
        }
        --depth;
    };
    EXPECT_EQ(w.advance(kStart + 10 * kMs, fire), 1u);
    EXPECT_EQ(w.advance(kStart + 10 * kMs, fire), 1u);
    EXPECT_EQ(w.advance(kStart + 10 * kMs, fire), 1u);
    EXPECT_EQ(w.advance(kStart + 10 * kMs, fire), 1u);  // cookie 4 schedules nothing
    EXPECT_EQ(w.advance(kStart + 10 * kMs, fire), 0u);
}

TEST(TimerWheel, ScheduleInsideFireForTheFuture) {
    TimerWheel w(16, kMs, kStart);
    w.schedule(kStart + kMs, 1);
    std::vector<uint64_t> fired;
    w.advance(kStart + kMs, [&](uint64_t c) {
        fired.push_back(c);
        w.schedule(kStart + 501 * kMs, 2);  // a retransmission 500 ms later
    });
    EXPECT_EQ(w.next_deadline_ns(), kStart + 256 * kMs);  // level 1 cascade point: early, not late
    EXPECT_EQ(advance(w, kStart + 500 * kMs).size(), 0u);
    EXPECT_EQ(w.next_deadline_ns(), kStart + 501 * kMs);
    EXPECT_EQ(advance(w, kStart + 501 * kMs), std::vector<uint64_t>{2});
}

TEST(TimerWheel, NextDeadline) {
    TimerWheel w(16, kMs, kStart);
    EXPECT_EQ(w.next_deadline_ns(), kNoDeadline);
    w.schedule(kStart + 10 * kMs, 1);
    EXPECT_EQ(w.next_deadline_ns(), kStart + 10 * kMs);
    w.schedule(kStart + 3 * kMs + 1, 2);  // rounds up to tick 4
    EXPECT_EQ(w.next_deadline_ns(), kStart + 4 * kMs);
    advance(w, kStart + 4 * kMs);
    EXPECT_EQ(w.next_deadline_ns(), kStart + 10 * kMs);
    advance(w, kStart + 10 * kMs);
    EXPECT_EQ(w.next_deadline_ns(), kNoDeadline);
}

TEST(TimerWheel, FarFutureHoursAndBeyondTheWheelSpan) {
    constexpr uint64_t kHour = 3600ull * 1'000'000'000ull;
    TimerWheel w(16, kMs, kStart);
    w.schedule(kStart + 3 * kHour, 1);
    w.schedule(kStart + 100 * 24 * kHour, 2);  // 100 days: past the 2^32-tick span
    w.schedule(kStart + 32'000 * kMs, 3);      // Timer B
    uint64_t now = kStart;
    std::vector<std::pair<uint64_t, uint64_t>> fired;  // (cookie, now)
    // Sleep from deadline to deadline, as the shard loop does.
    for (int guard = 0; guard < 10'000 && w.size() > 0; ++guard) {
        uint64_t next = w.next_deadline_ns();
        ASSERT_GT(next, now);
        now = next;
        w.advance(now, [&](uint64_t c) { fired.emplace_back(c, now); });
    }
    ASSERT_EQ(fired.size(), 3u);
    EXPECT_EQ(fired[0], std::make_pair(uint64_t{3}, kStart + 32'000 * kMs));
    EXPECT_EQ(fired[1], std::make_pair(uint64_t{1}, kStart + 3 * kHour));
    EXPECT_EQ(fired[2], std::make_pair(uint64_t{2}, kStart + 100 * 24 * kHour));
}

TEST(TimerWheel, BigJumpFiresEverythingInDeadlineOrder) {
    TimerWheel w(1000, kMs, kStart);
    std::mt19937_64 rng(42);
    std::vector<std::pair<uint64_t, uint64_t>> expect;
    for (uint64_t c = 0; c < 1000; ++c) {
        uint64_t d = kStart + 1 + rng() % (40'000 * kMs);
        w.schedule(d, c);
        expect.emplace_back((d - kStart + kMs - 1) / kMs, c);  // (tick, cookie)
    }
    std::stable_sort(expect.begin(), expect.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<uint64_t> fired = advance(w, kStart + 40'000 * kMs);
    ASSERT_EQ(fired.size(), expect.size());
    for (size_t i = 0; i < fired.size(); ++i) EXPECT_EQ(fired[i], expect[i].second) << i;
}

TEST(TimerWheel, StartTimeAndNonMillisecondTick) {
    TimerWheel w(4, 250'000, kStart);  // 250 us tick
    w.schedule(kStart + 1'000'001, 1);
    EXPECT_TRUE(advance(w, kStart - 5).empty());  // before start: nothing, no underflow
    EXPECT_TRUE(advance(w, kStart + 1'000'000).empty());
    EXPECT_TRUE(advance(w, kStart + 1'249'999).empty());
    EXPECT_EQ(advance(w, kStart + 1'250'000), std::vector<uint64_t>{1});
}

TEST(TimerWheel, ManyTimers) {
    constexpr uint32_t kN = 200'000;
    TimerWheel w(kN, kMs, kStart);
    for (uint32_t i = 0; i < kN; ++i)
        ASSERT_NE(w.schedule(kStart + (1 + i % 60'000) * kMs, i), kInvalidTimer);
    EXPECT_EQ(w.schedule(kStart + kMs, 0), kInvalidTimer);
    size_t total = 0;
    for (uint64_t t = 0; t <= 60'000; t += 7) total += w.advance(kStart + t * kMs, [](uint64_t) {});
    total += w.advance(kStart + 60'000 * kMs, [](uint64_t) {});
    EXPECT_EQ(total, kN);
    EXPECT_EQ(w.size(), 0u);
}

// Randomised against a reference model: each pending timer's earliest firing time is known exactly
// (its deadline rounded up to a tick, or "the next advance" when scheduled at or before the latest now).
TEST(TimerWheel, RandomisedAgainstMultimapModel) {
    constexpr uint64_t kTick = kMs;
    constexpr uint32_t kCap = 2000;
    TimerWheel w(kCap, kTick, kStart);
    std::mt19937_64 rng(12345);

    struct Pending {
        TimerId id;
        uint64_t deadline;
        bool due;            // scheduled at or before the latest now: fires on the next advance
        uint64_t due_round;  // the advance count when it was scheduled
    };
    std::multimap<uint64_t, uint64_t> model;  // earliest firing time (0 = next advance) -> cookie
    std::unordered_map<uint64_t, std::multimap<uint64_t, uint64_t>::iterator> where;
    std::unordered_map<uint64_t, Pending> info;
    uint64_t now = kStart, horizon = kStart, next_cookie = 1, advances = 0;

    auto add = [&](uint64_t deadline) {
        uint64_t cookie = next_cookie++;
        TimerId id = w.schedule(deadline, cookie);
        if (model.size() == kCap) {
            EXPECT_EQ(id, kInvalidTimer);
            return;
        }
        ASSERT_NE(id, kInvalidTimer);
        bool due = deadline <= horizon;
        uint64_t earliest = due ? 0 : kStart + ((deadline - kStart + kTick - 1) / kTick) * kTick;
        where[cookie] = model.emplace(earliest, cookie);
        info[cookie] = {id, deadline, due, advances};
    };
    auto random_deadline = [&]() -> uint64_t {
        switch (rng() % 6) {
            case 0:
                return now - std::min<uint64_t>(now - kStart, rng() % (50 * kTick));  // past
            case 1:
                return now + rng() % (3 * kTick);
            case 2:
                return now + rng() % (300 * kTick);
            case 3:
                return now + rng() % (70'000 * kTick);
            case 4:
                return now + rng() % (20'000'000 * kTick);  // hours
            default:
                return now + rng() % kTick;
        }
    };
    auto remove = [&](uint64_t cookie) {
        model.erase(where[cookie]);
        where.erase(cookie);
        info.erase(cookie);
    };
    auto cancel_random = [&]() {
        if (info.empty()) return;
        auto it = info.begin();
        std::advance(it, static_cast<long>(rng() % std::min<size_t>(info.size(), 16)));
        uint64_t cookie = it->first;
        EXPECT_TRUE(w.cancel(it->second.id));
        EXPECT_FALSE(w.cancel(it->second.id));
        remove(cookie);
    };

    size_t fired_total = 0;
    for (int round = 0; round < 20'000; ++round) {
        int ops = static_cast<int>(rng() % 8);
        for (int i = 0; i < ops; ++i) {
            if (rng() % 4 == 0)
                cancel_random();
            else
                add(random_deadline());
        }
        switch (rng() % 10) {
            case 0:
                now += rng() % (2000 * kTick);
                break;
            case 1:
                if (w.next_deadline_ns() != kNoDeadline) now = std::max(now, w.next_deadline_ns());
                break;
            default:
                now += rng() % (3 * kTick);
                break;
        }
        horizon = std::max(horizon, now);
        ++advances;
        size_t n = w.advance(now, [&](uint64_t cookie) {
            auto it = info.find(cookie);
            ASSERT_NE(it, info.end()) << "fired a cancelled or unknown timer " << cookie;
            const Pending& p = it->second;
            EXPECT_LE(p.deadline, now) << "fired early";
            if (p.due) {
                EXPECT_LT(p.due_round, advances) << "fired in the advance that scheduled it";
            } else {
                EXPECT_LE(where[cookie]->first, now);
            }
            remove(cookie);
            if (rng() % 3 == 0) cancel_random();
            if (rng() % 3 == 0) add(random_deadline());
        });
        fired_total += n;
        ASSERT_EQ(w.size(), info.size());
        bool any_due = false;
        uint64_t earliest = kNoDeadline;
        for (auto& [cookie, p] : info) {
            if (p.due) {
                EXPECT_EQ(p.due_round, advances) << "due timer missed " << cookie;
                any_due = true;
            } else {
                EXPECT_GT(where[cookie]->first, now) << "missed timer " << cookie;
                earliest = std::min(earliest, where[cookie]->first);
            }
        }
        if (any_due) {
            EXPECT_LE(w.next_deadline_ns(), now);
        } else {
            EXPECT_LE(w.next_deadline_ns(), earliest);
            EXPECT_GT(w.next_deadline_ns(), now);
        }
    }
    EXPECT_GT(fired_total, 10'000u);
}

}  // namespace
}  // namespace sipstorm::runtime
