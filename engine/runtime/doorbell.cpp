#include "runtime/doorbell.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace sipstorm::runtime {

Doorbell::Doorbell() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

Doorbell::~Doorbell() {
    if (fd_ >= 0) close(fd_);
}

void Doorbell::clear() {
    uint64_t n;
    if (fd_ >= 0) (void)!read(fd_, &n, sizeof(n));
}

void Doorbell::ring() {
    const uint64_t one = 1;
    if (fd_ >= 0) (void)!write(fd_, &one, sizeof(one));
}

}  // namespace sipstorm::runtime
