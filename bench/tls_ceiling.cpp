// The OpenSSL handshake ceiling with sipstorm's own TLS set-up: a client and a server TlsSession
// (the contexts sipstorm run and serve make, net/tls_session.hpp) on a socketpair, driven to the end
// of the handshake in one thread, again and again. Full handshakes (and, with --resume, resumed ones)
// per second on one core, both sides' work included: the anchor for TLS calls per second with a
// connection per call (bench/tls_bench.sh).
//
//   tls_ceiling --cert server.pem --key server.key --ca ca.pem [--seconds 3] [--resume] [--version 1.3]
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "net/tls_session.hpp"

using namespace sipstorm::net;

namespace {

bool handshake_once(TlsContext& client, TlsContext& server, std::string* error) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) return false;
    Address peer;
    Address::parse("127.0.0.1:5061", 5061, peer);
    auto c = TlsSession::create(client, sv[0], false, peer, error);
    auto s = TlsSession::create(server, sv[1], true, peer, error);
    bool c_done = false, s_done = false, ok = true;
    for (int i = 0; i < 100 && ok && !(c_done && s_done); ++i) {
        if (!c_done) {
            auto r = c->handshake();
            c_done = r == TlsSession::Step::kDone;
            if (r == TlsSession::Step::kFailed) ok = false, *error = std::string("client: ") + c->error();
        }
        if (!s_done && ok) {
            auto r = s->handshake();
            s_done = r == TlsSession::Step::kDone;
            if (r == TlsSession::Step::kFailed) ok = false, *error = std::string("server: ") + s->error();
        }
    }
    // TLS 1.3 tickets come after the handshake: read them, so --resume has a session to resume.
    char buf[4096];
    bool eof = false;
    int err = 0;
    if (ok) c->read(buf, sizeof(buf), eof, err);
    // As sipstorm closes a connection: a close_notify, which keeps the session resumable.
    c->shutdown();
    s->shutdown();
    c.reset();
    s.reset();
    close(sv[0]);
    close(sv[1]);
    return ok && c_done && s_done;
}

}  // namespace

int main(int argc, char** argv) {
    TlsOptions co, so;
    double seconds = 3;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--cert")
            so.cert_file = next();
        else if (a == "--key")
            so.key_file = next();
        else if (a == "--ca")
            co.ca_file = next();
        else if (a == "--seconds")
            seconds = std::stod(next());
        else if (a == "--resume")
            co.resume = true;
        else if (a == "--version")
            co.version = so.version = next();
        else {
            std::fprintf(stderr,
                         "usage: tls_ceiling --cert PEM --key PEM --ca PEM [--seconds S] [--resume] "
                         "[--version 1.2|1.3]\n");
            return 2;
        }
    }
    so.server = true;
    std::string error;
    auto server = TlsContext::create(so, &error);
    if (!server) return std::fprintf(stderr, "server context: %s\n", error.c_str()), 2;
    auto client = TlsContext::create(co, &error);
    if (!client) return std::fprintf(stderr, "client context: %s\n", error.c_str()), 2;
    if (!handshake_once(*client, *server, &error))
        return std::fprintf(stderr, "handshake: %s\n", error.c_str()), 1;
    const auto start = std::chrono::steady_clock::now();
    uint64_t n = 0;
    double elapsed = 0;
    while (elapsed < seconds) {
        for (int k = 0; k < 50; ++k, ++n)
            if (!handshake_once(*client, *server, &error))
                return std::fprintf(stderr, "handshake: %s\n", error.c_str()), 1;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::printf("mode=%s handshakes=%llu seconds=%.2f handshakes_per_s=%.0f resumed=%llu\n",
                co.resume ? "resume" : "full", static_cast<unsigned long long>(n), elapsed, n / elapsed,
                static_cast<unsigned long long>(client->resumed()));
    return 0;
}
