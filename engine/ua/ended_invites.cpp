#include "ua/ended_invites.hpp"

#include <sys/mman.h>

#include <bit>
#include <new>
#include <utility>

#include "txn/match.hpp"

namespace sipstorm::ua {

EndedInvites::EndedInvites(uint32_t capacity) {
    if (capacity == 0) return;
    sets_ = std::bit_ceil((static_cast<size_t>(capacity) + kWays - 1) / kWays);
    void* p = mmap(nullptr, sets_ * kWays * sizeof(Entry), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();  // at start-up, before any shard runs
    entries_ = static_cast<Entry*>(p);            // zero pages: every entry empty
}

EndedInvites::EndedInvites(EndedInvites&& o) noexcept
    : entries_(std::exchange(o.entries_, nullptr)), sets_(std::exchange(o.sets_, 0)) {}

EndedInvites& EndedInvites::operator=(EndedInvites&& o) noexcept {
    std::swap(entries_, o.entries_);
    std::swap(sets_, o.sets_);
    return *this;
}

EndedInvites::~EndedInvites() {
    if (entries_) munmap(entries_, sets_ * kWays * sizeof(Entry));
}

uint64_t EndedInvites::invite_key(std::string_view call_id, uint32_t cseq) {
    uint64_t h = txn::detail::fnv1a(txn::detail::kFnvOffset, call_id, false);
    for (int i = 0; i < 4; ++i) h = txn::detail::fnv1a(h, static_cast<uint8_t>(cseq >> (8 * i)));
    return h | 1;  // never 0, the empty mark
}

void EndedInvites::remember(const Entry& e) {
    if (sets_ == 0) return;
    Entry* set = entries_ + ((e.key >> 1) & (sets_ - 1)) * kWays;  // bit 0 is always set
    Entry* victim = set;
    for (uint32_t w = 0; w < kWays; ++w) {
        if (set[w].key == e.key || set[w].key == 0) {
            victim = set + w;
            break;
        }
        if (set[w].expires_ns < victim->expires_ns) victim = set + w;
    }
    *victim = e;
}

const EndedInvites::Entry* EndedInvites::find(uint64_t key, uint64_t now_ns) const {
    if (sets_ == 0) return nullptr;
    const Entry* set = entries_ + ((key >> 1) & (sets_ - 1)) * kWays;
    for (uint32_t w = 0; w < kWays; ++w)
        if (set[w].key == key) return set[w].expires_ns > now_ns ? set + w : nullptr;
    return nullptr;
}

}  // namespace sipstorm::ua
