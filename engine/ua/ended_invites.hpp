// The INVITE server transactions of UAS calls that have ended, remembered for as long as the caller
// may still retransmit its INVITE (Timer B: 64*T1 after the INVITE arrived). A retransmitted INVITE
// then gets the answer it got before, or is absorbed after a 2xx (RFC 3261 §17.2.1, RFC 6026 §7.1),
// instead of opening a new call. Without this, a UAS scenario that ends right after its final
// response (or a short call whose caller's INVITE was delayed) counts a second call for one INVITE.
//
// Fixed memory sized at start (lazily committed, no allocation per call), set-associative: a full set
// forgets the entry that expires first, so a very late retransmission under extreme load may still
// open a call, never a crash or a stall.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sipstorm::ua {

class EndedInvites {
  public:
    struct Entry {
        uint64_t key = 0;                    // invite_key(); 0 = empty
        uint64_t expires_ns = 0;             // after this the caller has given up retransmitting
        uint32_t index = 0, generation = 0;  // the ended call's identity: its To tag
        uint16_t code = 0;                   // the final response it got
    };

    EndedInvites() = default;
    explicit EndedInvites(uint32_t capacity);  // 0: remembers nothing
    EndedInvites(EndedInvites&&) noexcept;
    EndedInvites& operator=(EndedInvites&&) noexcept;
    ~EndedInvites();

    // Identifies an INVITE by its Call-ID and CSeq number (what a retransmission repeats exactly).
    static uint64_t invite_key(std::string_view call_id, uint32_t cseq);

    void remember(const Entry& e);
    // The live entry for this key, or nullptr.
    const Entry* find(uint64_t key, uint64_t now_ns) const;

  private:
    static constexpr uint32_t kWays = 4;
    Entry* entries_ = nullptr;
    size_t sets_ = 0;  // a power of two
};

}  // namespace sipstorm::ua
