// The Internet checksum (RFC 1071) over contiguous memory, 8 bytes per step. DPDK 22.11's rte_raw_cksum
// adds 16 bits at a time; on a ~500-byte SIP message that loop was the largest single cost of the
// stack (TX checksum plus RX verification on a NIC without offload). The one's complement sum does not
// depend on the byte order or on the width of the words added (RFC 1071 §2), so 64-bit words with
// their carries folded back give the same 16-bit result as rte_raw_cksum, in the same byte order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sipstorm::dpdk {

// The unfolded sum of `len` bytes, added to `acc`. An odd tail counts as if padded with a zero byte,
// as rte_raw_cksum does.
inline uint64_t cksum_add(const void* data, size_t len, uint64_t acc) {
    const auto* p = static_cast<const unsigned char*>(data);
    // Four independent accumulators of 32-bit halves: no carry can be lost below 2^32 words, and the
    // additions do not wait on each other.
    uint64_t a = acc, b = 0, c = 0, d = 0;
    auto add16 = [&](const unsigned char* q) {
        uint64_t x, y;
        std::memcpy(&x, q, 8);
        std::memcpy(&y, q + 8, 8);
        a += x & 0xffffffffu;
        b += x >> 32;
        c += y & 0xffffffffu;
        d += y >> 32;
    };
    for (; len >= 16; len -= 16, p += 16) add16(p);
    if (len) {
        unsigned char tail[16] = {};
        std::memcpy(tail, p, len);
        add16(tail);
    }
    // Each is below 2^63 for any datagram; their sum may carry past 2^64 only for absurd lengths.
    return a + b + c + d;
}

// Folds a sum to 16 bits (not inverted): rte_raw_cksum's result for the same bytes.
inline uint16_t cksum_fold(uint64_t sum) {
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

}  // namespace sipstorm::dpdk
