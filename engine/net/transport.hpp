// The one interface between the engine and a packet engine (kernel UDP now; TCP, TLS, DPDK later).
// Calls are per batch or per message, never per byte. Buffers belong to the transport: received
// views stay valid until the next poll(); TX buffers are handed out by alloc_tx() and sent by flush().
#pragma once
#include <cstdint>
#include <span>

#include "net/address.hpp"

namespace sipstorm::net {

inline constexpr uint32_t kMaxDatagram = 8192;

struct RxPacket {
    const char* data = nullptr;
    uint32_t len = 0;
    Address from;
};

inline constexpr uint8_t kTxLanes = 4;

struct TxPacket {
    char* data = nullptr;  // capacity kMaxDatagram
    uint32_t len = 0;      // set by the caller; 0 = send nothing
    Address to;            // set by the caller
    // Order within one call's burst (0, 1, 2 ...: a UAS's 100, 180, 200). A flush sends lane 0 of
    // every call before lane 1, so each call's messages keep their order while messages of one kind
    // sit next to each other, and equal-sized ones go out as one GSO send.
    uint8_t lane = 0;
};

struct TransportStats {
    uint64_t rx_packets = 0, tx_packets = 0;
    uint64_t rx_bytes = 0, tx_bytes = 0;
    uint64_t rx_drops_kernel = 0;  // SO_RXQ_OVFL
    uint64_t tx_errors = 0;
    uint64_t loss_dropped_rx = 0, loss_dropped_tx = 0;  // --loss fault injection
    uint64_t rx_syscalls = 0, tx_syscalls = 0;
    uint64_t rx_errors = 0;  // socket errors and datagrams truncated to the receive buffer
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Receives up to the batch size; waits at most timeout_us (0 = don't block). The views are
    // valid until the next poll().
    virtual std::span<const RxPacket> poll(int timeout_us) = 0;
    // A buffer for one outgoing datagram, or nullptr when the TX batch is full (flush() and retry).
    virtual TxPacket* alloc_tx() = 0;
    // Sends everything allocated since the last flush (in batches).
    virtual void flush() = 0;
    virtual Address local_address() const = 0;
    virtual const TransportStats& stats() const = 0;
    // A descriptor to sleep on when idle, or -1: the transport must be polled (DPDK).
    virtual int wait_fd() const { return -1; }
    // Received data is buffered inside the transport, so a sleep on wait_fd() would not wake for it.
    virtual bool rx_pending() const { return false; }
};

}  // namespace sipstorm::net
