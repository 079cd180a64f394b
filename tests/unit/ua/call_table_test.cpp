#include "ua/call_table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sipstorm::ua {
namespace {

void set_call_id(Call& c, const std::string& id) {
    std::memcpy(c.arena, id.data(), id.size());
    c.fields[static_cast<unsigned>(Field::kCallId)] = {0, static_cast<uint16_t>(id.size())};
    c.last_start = c.arena_used = static_cast<uint16_t>(id.size());
}

TEST(CallTable, AllocatesUpToCapacityThenRefuses) {
    CallTable t(4);
    std::vector<Call*> calls;
    for (int i = 0; i < 4; ++i) {
        Call* c = t.allocate();
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->state, CallState::kActive);
        calls.push_back(c);
    }
    EXPECT_EQ(t.allocate(), nullptr);
    EXPECT_EQ(t.live(), 4u);
    t.release(*calls[2]);
    EXPECT_EQ(t.live(), 3u);
    Call* again = t.allocate();
    EXPECT_EQ(again, calls[2]);  // LIFO reuse keeps memory warm
}

TEST(CallTable, GenerationTellsASlotsSuccessorApart) {
    CallTable t(2);
    Call* c = t.allocate();
    const uint32_t index = c->index, gen = c->generation;
    EXPECT_EQ(t.find(index, gen), c);
    t.release(*c);
    EXPECT_EQ(t.find(index, gen), nullptr);  // released
    Call* d = t.allocate();
    EXPECT_EQ(d->index, index);
    EXPECT_NE(d->generation, gen);
    EXPECT_EQ(t.find(index, gen), nullptr);  // a stale message or timer finds nothing
    EXPECT_EQ(t.find(index, d->generation), d);
}

TEST(CallTable, ResetsStateOnReuse) {
    CallTable t(1);
    Call* c = t.allocate();
    c->pc = 7;
    c->cseq = 42;
    c->fields[1] = {3, 4};
    t.release(*c);
    c = t.allocate();
    EXPECT_EQ(c->pc, 0);
    EXPECT_EQ(c->cseq, 0u);
    EXPECT_FALSE(c->has_field(1));
}

TEST(CallTable, CallIdIndexFindsAndForgets) {
    CallTable t(64);
    std::vector<Call*> calls;
    for (int i = 0; i < 40; ++i) {
        Call* c = t.allocate();
        set_call_id(*c, "call-" + std::to_string(i) + "@example.com");
        ASSERT_TRUE(t.index_call_id(*c));
        calls.push_back(c);
    }
    for (int i = 0; i < 40; ++i)
        EXPECT_EQ(t.find_by_call_id("call-" + std::to_string(i) + "@example.com"), calls[i]);
    EXPECT_EQ(t.find_by_call_id("call-40@example.com"), nullptr);
    // Remove every other one; the rest must stay reachable (backward-shift deletion keeps chains).
    for (int i = 0; i < 40; i += 2) t.release(*calls[i]);
    for (int i = 0; i < 40; ++i) {
        Call* found = t.find_by_call_id("call-" + std::to_string(i) + "@example.com");
        if (i % 2)
            EXPECT_EQ(found, calls[i]) << i;
        else
            EXPECT_EQ(found, nullptr) << i;
    }
}

TEST(CallTable, CallFitsTheMemoryBudget) {
    EXPECT_LE(sizeof(Call), 1024u);  // the target: at most 1 KiB per concurrent call
}

}  // namespace
}  // namespace sipstorm::ua
