#include "metrics_http.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "commands.hpp"

namespace sipstorm::cli {

namespace {

constexpr size_t kMaxRequest = 8192;
constexpr uint64_t kConnTimeoutNs = 5'000'000'000;
constexpr size_t kMaxConns = 64;

std::string response(int code, const char* reason, const char* type, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

std::unique_ptr<MetricsHttp> MetricsHttp::open(const net::Address& addr, std::string& error) {
    int fd = socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::string("--metrics: socket: ") + std::strerror(errno);
        return nullptr;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage ss;
    socklen_t len = addr.to_sockaddr(ss);
    if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 16) != 0) {
        error = "--metrics: cannot listen on " + addr.to_string() + ": " + std::strerror(errno);
        close(fd);
        return nullptr;
    }
    sockaddr_storage me;
    socklen_t mlen = sizeof(me);
    getsockname(fd, reinterpret_cast<sockaddr*>(&me), &mlen);
    return std::unique_ptr<MetricsHttp>(
        new MetricsHttp(fd, net::Address::from_sockaddr(reinterpret_cast<sockaddr*>(&me))));
}

MetricsHttp::~MetricsHttp() {
    for (Conn& c : conns_) close(c.fd);
    close(fd_);
}

void MetricsHttp::answer(Conn& c, const std::function<std::string()>& render) {
    c.answered = true;
    const size_t eol = c.in.find("\r\n");
    const std::string line = c.in.substr(0, eol == std::string::npos ? c.in.size() : eol);
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) {
        c.out = response(400, "Bad Request", "text/plain", "bad request\n");
        return;
    }
    const std::string method = line.substr(0, sp1);
    std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (size_t q = path.find('?'); q != std::string::npos) path.resize(q);
    if (method != "GET" && method != "HEAD") {
        c.out = response(405, "Method Not Allowed", "text/plain", "GET /metrics\n");
    } else if (path == "/metrics") {
        ++scrapes_;
        c.out = response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", render());
    } else if (path == "/") {
        c.out = response(200, "OK", "text/plain", "sipstorm: the figures are at /metrics\n");
    } else {
        c.out = response(404, "Not Found", "text/plain", "not found: the figures are at /metrics\n");
    }
    if (method == "HEAD") c.out.resize(c.out.find("\r\n\r\n") + 4);
}

void MetricsHttp::poll(const std::function<std::string()>& render, uint64_t now_ns) {
    for (;;) {
        int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (conns_.size() >= kMaxConns) {
            close(fd);
            continue;
        }
        conns_.push_back(Conn{fd, {}, {}, 0, now_ns, false});
    }
    for (size_t i = 0; i < conns_.size();) {
        Conn& c = conns_[i];
        bool done = false;
        if (!c.answered) {
            char buf[2048];
            for (;;) {
                ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
                if (n > 0) {
                    c.in.append(buf, static_cast<size_t>(n));
                    if (c.in.size() > kMaxRequest) break;
                    continue;
                }
                if (n == 0) done = c.in.find("\r\n\r\n") == std::string::npos;  // closed before a request
                break;
            }
            if (!done && (c.in.find("\r\n\r\n") != std::string::npos || c.in.size() > kMaxRequest))
                answer(c, render);
        }
        if (c.answered && !done) {
            while (c.sent < c.out.size()) {
                ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
                if (n <= 0) {
                    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                    done = true;  // the peer went away
                    break;
                }
                c.sent += static_cast<size_t>(n);
            }
            if (c.sent == c.out.size()) done = true;
        }
        if (done || now_ns - c.opened_ns > kConnTimeoutNs) {
            if (c.answered) shutdown(c.fd, SHUT_WR);
            close(c.fd);
            conns_[i] = std::move(conns_.back());
            conns_.pop_back();
            continue;
        }
        ++i;
    }
}

net::Address parse_metrics_address(const std::string& text, bool& loopback) {
    std::string t = text;
    if (!t.empty() && t[0] == ':') t = t.substr(1);
    if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos) t = "127.0.0.1:" + t;
    net::Address a;
    if (!net::Address::parse(t, 0, a) || a.port == 0)
        throw UsageError("--metrics expects HOST:PORT or PORT (loopback), e.g. 127.0.0.1:9100, got '" + text +
                         "'");
    loopback = a.family == AF_INET ? a.ip[0] == 127
                                   : (std::memcmp(a.ip, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
    return a;
}

}  // namespace sipstorm::cli
