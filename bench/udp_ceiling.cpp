// The kernel's own UDP loopback ceiling on this machine: the anchor every sipstorm throughput figure is
// read against. One thread sends 500-byte datagrams as fast as it can, one thread receives, for a
// fixed wall-clock time per mode:
//   plain    sendmmsg / recvmmsg, one datagram per message
//   gso      sendmmsg of UDP_SEGMENT super-datagrams; the kernel splits them before the receiver
//   gso_gro  the same, with UDP_GRO on the receiver, which gets them still coalesced
// Sockets are unconnected and every message names its peer, as the engine's shards do (--connected
// shows what a per-peer socket would gain).
// Output, one line per mode: mode=NAME key=value ... (datagrams_per_s counts datagrams received).
#include <fmt/core.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBatch = 64;               // messages per sendmmsg / recvmmsg
constexpr int kSegments = 64;            // datagrams per GSO super-datagram
constexpr int kRxSlot = 65536;           // room for a whole GRO buffer
constexpr int kBufferBytes = 64 << 20;   // socket buffers: measure the path, not the queue size
constexpr double kDatagramsPerCall = 7;  // INVITE 100 180 200 ACK BYE 200

struct Config {
    double seconds = 3;
    uint32_t size = 500;
    bool pin = false;
    bool connected = false;
    std::string only;
};

struct Mode {
    const char* name;
    bool gso;
    bool gro;
};

struct Result {
    uint64_t sent = 0, received = 0, tx_calls = 0, rx_calls = 0, tx_eagain = 0;
    double tx_seconds = 0;  // the sender's loop
    double rx_seconds = 0;  // start to the last datagram drained, the rate's denominator
};

[[noreturn]] void die(const char* what) {
    fmt::print(stderr, "udp_ceiling: {}: {}\n", what, std::strerror(errno));
    std::exit(1);
}

void set_int(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) die(what);
}

// Root may exceed rmem_max/wmem_max; anyone else gets what the sysctl allows.
void big_buffers(int fd) {
    int v = kBufferBytes;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

int loopback_socket(sockaddr_in& addr) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    big_buffers(fd);
    addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) die("bind 127.0.0.1");
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
    return fd;
}

void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// Sends until the deadline; the messages are built once, the loop only calls the kernel.
void send_loop(int fd, sockaddr_in peer, const Mode& mode, const Config& cfg, Clock::time_point start,
               Clock::time_point end, Result& r) {
    if (cfg.pin) pin_to(0);
    if (cfg.connected && connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)) != 0) die("connect");
    const uint32_t per_msg = mode.gso ? kSegments : 1;
    const int msgs = mode.gso ? 8 : kBatch;  // 512 datagrams per GSO call, 64 per plain call
    std::vector<char> payload(size_t{cfg.size} * per_msg, 'x');
    std::vector<iovec> iov(msgs);
    std::vector<mmsghdr> hdr(msgs);
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(uint16_t))] = {};
    for (int i = 0; i < msgs; ++i) {
        iov[i] = {payload.data(), payload.size()};
        msghdr& h = hdr[i].msg_hdr;
        if (!cfg.connected) {
            h.msg_name = &peer;
            h.msg_namelen = sizeof(peer);
        }
        h.msg_iov = &iov[i];
        h.msg_iovlen = 1;
        if (mode.gso) {
            // Every message may share one control block: the kernel only reads it.
            h.msg_control = ctrl;
            h.msg_controllen = sizeof(ctrl);
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            const auto seg = static_cast<uint16_t>(cfg.size);
            std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
        }
    }
    while (Clock::now() < end) {
        const int n = sendmmsg(fd, hdr.data(), msgs, 0);
        ++r.tx_calls;
        if (n > 0) {
            r.sent += uint64_t(n) * per_msg;
        } else if (errno == EAGAIN || errno == ENOBUFS) {
            ++r.tx_eagain;
        } else {
            die(mode.gso ? "sendmmsg with UDP_SEGMENT" : "sendmmsg");
        }
    }
    r.tx_seconds = std::chrono::duration<double>(Clock::now() - start).count();
}

// Counts datagrams until the sender is done and the queue has been quiet for a moment.
void receive_loop(int fd, const Config& cfg, Clock::time_point start, const std::atomic<bool>& sender_done,
                  Result& r) {
    if (cfg.pin) pin_to(1);
    std::vector<char> buf(size_t{kRxSlot} * kBatch);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> hdr(kBatch);
    struct alignas(cmsghdr) Ctrl {
        char b[CMSG_SPACE(sizeof(int)) * 2];
    };
    std::vector<Ctrl> ctrl(kBatch);
    for (int i = 0; i < kBatch; ++i) iov[i] = {buf.data() + size_t{kRxSlot} * i, kRxSlot};
    Clock::time_point last = Clock::now();
    for (;;) {
        for (int i = 0; i < kBatch; ++i) {
            msghdr& h = hdr[i].msg_hdr;
            h.msg_iov = &iov[i];
            h.msg_iovlen = 1;
            h.msg_control = ctrl[i].b;
            h.msg_controllen = sizeof(Ctrl::b);
        }
        const int n = recvmmsg(fd, hdr.data(), kBatch, MSG_DONTWAIT, nullptr);
        ++r.rx_calls;
        if (n > 0) {
            for (int i = 0; i < n; ++i) {
                uint32_t seg = 0;
                for (cmsghdr* c = CMSG_FIRSTHDR(&hdr[i].msg_hdr); c; c = CMSG_NXTHDR(&hdr[i].msg_hdr, c)) {
                    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO)
                        std::memcpy(&seg, CMSG_DATA(c), 4);
                }
                const uint32_t len = hdr[i].msg_len;
                r.received += seg == 0 ? 1 : (len + seg - 1) / seg;
            }
            last = Clock::now();
            continue;
        }
        if (sender_done.load(std::memory_order_acquire) &&
            Clock::now() - last > std::chrono::milliseconds(200)) {
            r.rx_seconds = std::chrono::duration<double>(last - start).count();
            return;
        }
        pollfd p = {fd, POLLIN, 0};
        ::poll(&p, 1, 10);
    }
}

Result run(const Mode& mode, const Config& cfg) {
    sockaddr_in rx_addr, tx_addr;
    const int rx = loopback_socket(rx_addr);
    const int tx = loopback_socket(tx_addr);
    if (mode.gso) set_int(tx, SOL_UDP, UDP_SEGMENT, 0, "UDP_SEGMENT (kernel without UDP GSO?)");
    if (mode.gro) set_int(rx, SOL_UDP, UDP_GRO, 1, "UDP_GRO (kernel without UDP GRO?)");
    Result r;
    Result rx_side;
    std::atomic<bool> done{false};
    const Clock::time_point start = Clock::now();
    std::thread receiver([&] { receive_loop(rx, cfg, start, done, rx_side); });
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(cfg.seconds));
    send_loop(tx, rx_addr, mode, cfg, start, end, r);
    done.store(true, std::memory_order_release);
    receiver.join();
    r.received = rx_side.received;
    r.rx_calls = rx_side.rx_calls;
    r.rx_seconds = rx_side.rx_seconds > 0 ? rx_side.rx_seconds : r.tx_seconds;
    close(rx);
    close(tx);
    return r;
}

void usage() {
    fmt::print(
        stderr,
        "usage: udp_ceiling [--seconds S] [--size BYTES] [--mode plain|gso|gso_gro] [--pin] [--connected]\n"
        "  Measures loopback UDP datagrams/s with one sender and one receiver thread.\n"
        "  --pin: sender on CPU 0, receiver on CPU 1. --connected: connect() the sender\n"
        "  (one route lookup per socket instead of per message; the engine cannot do this).\n");
    std::exit(2);
}

Config parse_args(int argc, char** argv) {
    Config cfg;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--seconds" && has_value) {
            cfg.seconds = std::atof(argv[++i]);
        } else if (a == "--size" && has_value) {
            cfg.size = static_cast<uint32_t>(std::atoi(argv[++i]));
        } else if (a == "--mode" && has_value) {
            cfg.only = argv[++i];
        } else if (a == "--pin") {
            cfg.pin = true;
        } else if (a == "--connected") {
            cfg.connected = true;
        } else {
            usage();
        }
    }
    // A GSO super-datagram of kSegments must stay below the 64 KiB UDP limit.
    if (cfg.seconds <= 0 || cfg.size == 0 || cfg.size * kSegments > 65507) usage();
    return cfg;
}

}  // namespace

int main(int argc, char** argv) {
    const Config cfg = parse_args(argc, argv);
    const Mode modes[] = {{"plain", false, false}, {"gso", true, false}, {"gso_gro", true, true}};
    for (const Mode& m : modes) {
        if (!cfg.only.empty() && cfg.only != m.name) continue;
        const Result r = run(m, cfg);
        const double per_s = double(r.received) / r.rx_seconds;
        fmt::print(
            "mode={} size={} seconds={:.2f} sent={} received={} lost={} sent_per_s={:.0f} "
            "datagrams_per_s={:.0f} calls_per_s_equiv={:.0f} tx_calls={} rx_calls={} tx_eagain={}\n",
            m.name, cfg.size, r.rx_seconds, r.sent, r.received, r.sent - r.received,
            double(r.sent) / r.tx_seconds, per_s, per_s / kDatagramsPerCall, r.tx_calls, r.rx_calls,
            r.tx_eagain);
        std::fflush(stdout);
    }
    return 0;
}
