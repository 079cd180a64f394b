// TLS (OpenSSL 3) for the stream transport: a context per shard and endpoint (no lock shared between
// shards on the hot path) and a session per connection, driven as a non-blocking state machine from
// the shard's poll loop: handshake() returns what it waits for, read() and write() never block.
//
// Verification is on by default: the peer's chain against the system CAs or --tls-ca, and for a
// client the name check of RFC 5922 §7 (subjectAltName: a DNS name for a host-name target, an IP
// address for an IP target), with SNI when the target is a name.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "net/address.hpp"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

namespace sipstorm::net {

struct TlsOptions {
    bool server = false;
    std::string ca_file;  // client: trust these (empty: the system CAs); server: require client certs
    std::string cert_file, key_file;  // our certificate (a server's; a client's for mutual TLS)
    bool insecure = false;            // client: no chain or name check (--tls-insecure)
    std::string version;              // "1.2", "1.3" or empty (1.2 and 1.3)
    std::string server_name;          // client: the target's host name (verified, sent as SNI); empty: its IP
    bool resume = false;              // client: resume the last session on new connections
    std::string keylog_file;          // NSS key-log lines (SSLKEYLOGFILE format)
};

class TlsContext {
  public:
    static std::unique_ptr<TlsContext> create(const TlsOptions& opt, std::string* error);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    const TlsOptions& options() const { return opt_; }
    SSL_CTX* ctx() const { return ctx_; }
    uint64_t resumed() const { return resumed_; }

  private:
    friend class TlsSession;
    TlsContext() = default;
    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    static void on_keylog(const SSL* ssl, const char* line);

    TlsOptions opt_;
    SSL_CTX* ctx_ = nullptr;
    SSL_SESSION* session_ = nullptr;  // client: the latest session, for --tls-resume
    std::shared_ptr<FILE> keylog_;
    uint64_t resumed_ = 0;
};

class TlsSession {
  public:
    enum class Step { kDone, kWantRead, kWantWrite, kFailed };

    // A session on a connected socket; nullptr and *error when OpenSSL refuses.
    static std::unique_ptr<TlsSession> create(TlsContext& ctx, int fd, bool server, const Address& peer,
                                              std::string* error);
    ~TlsSession();

    Step handshake();
    // Decrypted bytes into buf (0 when none yet); eof on the peer's close, err != 0 on a failure.
    long read(char* buf, size_t room, bool& eof, int& err);
    // Bytes taken (0: try again on EPOLLOUT); err != 0 on a failure.
    long write(const char* data, size_t len, int& err);
    void shutdown();

    // The last failure as one line ("certificate verify failed: hostname mismatch").
    const char* error() const { return error_; }
    bool certificate_error() const { return certificate_; }
    const char* version() const;
    bool resumed() const;
    bool pending() const;  // decrypted bytes wait inside OpenSSL (the socket may not signal them)
    const char* cipher() const;

  private:
    TlsSession() = default;
    void record_error(int ret);

    TlsContext* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    bool certificate_ = false;
    char error_[96] = {};
};

}  // namespace sipstorm::net
