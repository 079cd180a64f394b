// The /metrics endpoint of run and serve (--metrics HOST:PORT): a tiny non-blocking HTTP/1.x server
// polled by the reporter thread between its readings (never by a shard). One request per connection
// (Connection: close); GET /metrics answers with the text the caller renders at that moment.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/address.hpp"

namespace sipstorm::cli {

class MetricsHttp {
  public:
    // Listens on `addr`; nullptr with "cannot listen on ...: reason" in error.
    static std::unique_ptr<MetricsHttp> open(const net::Address& addr, std::string& error);
    ~MetricsHttp();

    // Accepts, reads and answers whatever is ready; calls render() once per /metrics request. Never
    // blocks; call it every few tens of milliseconds.
    void poll(const std::function<std::string()>& render, uint64_t now_ns);
    net::Address local_address() const { return local_; }
    uint64_t scrapes() const { return scrapes_; }  // /metrics requests answered so far

  private:
    struct Conn {
        int fd = -1;
        std::string in, out;
        size_t sent = 0;
        uint64_t opened_ns = 0;
        bool answered = false;
    };
    MetricsHttp(int fd, net::Address local) : fd_(fd), local_(local) {}
    void answer(Conn& c, const std::function<std::string()>& render);

    int fd_;
    net::Address local_;
    std::vector<Conn> conns_;
    uint64_t scrapes_ = 0;
};

// --metrics: "HOST:PORT", "[V6]:PORT", or "PORT" / ":PORT" (loopback). Throws UsageError. `loopback`
// tells whether the address is a loopback one (anything else was asked for explicitly).
net::Address parse_metrics_address(const std::string& text, bool& loopback);

}  // namespace sipstorm::cli
