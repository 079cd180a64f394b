// The one interface between the engine and a packet engine (kernel UDP, TCP, TLS, DPDK).
// Calls are per batch or per message, never per byte. Buffers belong to the transport: received
// views stay valid until the next poll(); TX buffers are handed out by alloc_tx() and sent by flush().
//
// Flows (stream transports only; datagram transports ignore them): every message names the flow it
// belongs to. A flow with kConnectionFlow set is one connection of the transport (the one a message
// came in on: RxPacket::flow); any other value is a client's own key (a UAC's call), which the
// transport maps onto its connections (one shared, one per flow, or a pool). flow_begin/flow_end
// bracket a call's use of a flow, so the transport can close per-call connections and report a broken
// connection only to calls that use it (take_faults).
#pragma once
#include <cstdint>
#include <span>

#include "net/address.hpp"

namespace sipstorm::net {

inline constexpr uint32_t kMaxDatagram = 8192;

inline constexpr uint64_t kConnectionFlow = 1ull << 63;

struct RxPacket {
    const char* data = nullptr;
    uint32_t len = 0;
    Address from;
    uint64_t flow = 0;  // stream transports: the connection it came on (kConnectionFlow set)
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
    uint64_t flow = 0;  // stream transports: the connection or the client's flow (see above)
};

// A connection that broke under live calls: every call whose flow matches fails with detail.
struct FlowFault {
    uint64_t flow = 0;
    // 0: the calls whose flow is `flow`; N: the client flows f with f % N == flow (a pool slot of N).
    uint32_t modulo = 0;
    char detail[112] = {};
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

    // Stream transports (TCP, TLS): reliable in the RFC 3261 §17 sense, framed, connection-oriented.
    virtual bool reliable() const { return false; }
    // The transport as Via names it (${transport}).
    virtual const char* via_name() const { return "UDP"; }
    virtual void flow_begin(uint64_t /*flow*/) {}
    virtual void flow_end(uint64_t /*flow*/) {}
    // Faults since the last call; valid until the next one.
    virtual std::span<const FlowFault> take_faults() { return {}; }
};

}  // namespace sipstorm::net
