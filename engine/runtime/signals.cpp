#include "runtime/signals.hpp"

#include <signal.h>

#include <atomic>

namespace sipstorm::runtime {
namespace {

// Lock-free atomics are async-signal-safe; the asserts make sure these are.
std::atomic<int> g_signal{0};
std::atomic<unsigned> g_count{0};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<unsigned>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
    int none = 0;
    g_signal.compare_exchange_strong(none, sig, std::memory_order_relaxed);
    g_count.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

void install_stop_signals() {
    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool stop_signalled() {
    return g_count.load(std::memory_order_relaxed) > 0;
}
int stop_signal() {
    return g_signal.load(std::memory_order_relaxed);
}
unsigned stop_signal_count() {
    return g_count.load(std::memory_order_relaxed);
}

void reset_stop_signal() {
    g_signal.store(0, std::memory_order_relaxed);
    g_count.store(0, std::memory_order_relaxed);
}

}  // namespace sipstorm::runtime
