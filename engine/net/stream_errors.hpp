// Internal to the stream transport: errno to a connection failure reason and text, socket options.
#pragma once
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "net/stream_options.hpp"

namespace sipstorm::net::stream_detail {

inline constexpr uint64_t kListenTag = UINT64_MAX;
inline constexpr uint64_t kTimerTag = UINT64_MAX - 1;
inline constexpr uint64_t kHousekeepingNs = 100'000'000;
inline constexpr size_t kReadChunk = 64 * 1024;
inline constexpr uint32_t kAcceptsPerPoll = 256;

inline ConnError error_of(int err) {
    switch (err) {
        case ECONNREFUSED:
            return ConnError::kRefused;
        case ECONNRESET:
        case EPIPE:
        case ECONNABORTED:
            return ConnError::kReset;
        case ETIMEDOUT:
            return ConnError::kConnectTimeout;
        case EMFILE:
        case ENFILE:
            return ConnError::kNoFiles;
        default:
            return ConnError::kOther;
    }
}

inline const char* text_of(int err) {
    switch (err) {
        case ECONNREFUSED:
            return "connection refused";
        case ECONNRESET:
        case EPIPE:
            return "connection reset by the peer";
        case ETIMEDOUT:
            return "connect timeout";
        case EMFILE:
        case ENFILE:
            return "too many open files (raise ulimit -n)";
        default:
            return strerror(err);
    }
}

inline void set_int(int fd, int level, int opt, int v) {
    setsockopt(fd, level, opt, &v, sizeof(v));
}

}  // namespace sipstorm::net::stream_detail
