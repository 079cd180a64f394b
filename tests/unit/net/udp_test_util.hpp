// Helpers shared by the UDP transport tests: loopback endpoints and bounded send/receive loops.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "net/udp_transport.hpp"

namespace sipstorm::net::test {

inline Address loopback(const char* text = "127.0.0.1:0") {
    Address a;
    EXPECT_TRUE(Address::parse(text, 0, a)) << text;
    return a;
}

inline std::unique_ptr<UdpTransport> open_or_fail(UdpOptions opt) {
    std::string error;
    auto t = open_udp(opt, &error);
    EXPECT_NE(t, nullptr) << error;
    return t;
}

// Queues one datagram whose bytes encode its sequence number, flushing when the TX slots are full.
inline void send_one(UdpTransport& t, const Address& to, uint32_t seq, uint32_t len) {
    TxPacket* p = t.alloc_tx();
    for (int tries = 0; p == nullptr && tries < 1000; ++tries) {
        t.flush();
        p = t.alloc_tx();
    }
    ASSERT_NE(p, nullptr);
    for (uint32_t i = 0; i < len; ++i) p->data[i] = static_cast<char>('a' + (seq + i) % 26);
    if (len >= 4) std::memcpy(p->data, &seq, 4);
    p->len = len;
    p->to = to;
}

struct Received {
    std::vector<std::string> payloads;
    std::vector<Address> from;
    uint64_t bytes = 0;
};

// Polls until `want` datagrams arrived or nothing came for quiet_ms.
inline Received receive(UdpTransport& t, size_t want, int quiet_ms = 300) {
    Received r;
    auto last = std::chrono::steady_clock::now();
    while (r.payloads.size() < want &&
           std::chrono::steady_clock::now() - last < std::chrono::milliseconds(quiet_ms)) {
        for (const RxPacket& p : t.poll(10'000)) {
            r.payloads.emplace_back(p.data, p.len);
            r.from.push_back(p.from);
            r.bytes += p.len;
            last = std::chrono::steady_clock::now();
        }
    }
    return r;
}

}  // namespace sipstorm::net::test
