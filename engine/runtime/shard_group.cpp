#include "runtime/shard_group.hpp"

#include <pthread.h>
#include <sched.h>

namespace sipstorm::runtime {

std::vector<int> ShardGroup::allowed_cpus() {
    std::vector<int> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
    return cpus;
}

void ShardGroup::start(unsigned count, Body body) {
    std::vector<int> cpus = allowed_cpus();
    cpu_ = std::make_unique<std::atomic<int>[]>(count);
    errors_.assign(count, nullptr);
    threads_.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        cpu_[i].store(-1, std::memory_order_relaxed);
        int cpu = cpus.empty() ? -1 : cpus[i % cpus.size()];
        threads_.emplace_back([this, i, cpu, body] {
            // Pin from inside the thread, before any allocation, so its memory comes from the
            // right NUMA node's first touch.
            if (cpu >= 0) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(cpu, &set);
                if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0)
                    cpu_[i].store(cpu, std::memory_order_release);
            }
            try {
                body(i);
            } catch (...) {
                errors_[i] = std::current_exception();
                request_stop();
            }
        });
    }
}

void ShardGroup::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    for (auto& e : errors_) {
        if (e) {
            std::exception_ptr first = e;
            e = nullptr;  // rethrow once
            std::rethrow_exception(first);
        }
    }
}

ShardGroup::~ShardGroup() {
    request_stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

}  // namespace sipstorm::runtime
