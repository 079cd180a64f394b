#include "net/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

namespace sipstorm::net {

namespace {

std::string openssl_error(const char* what) {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    const char* reason = e ? ERR_reason_error_string(e) : nullptr;
    return std::string(what) + (reason ? std::string(": ") + reason : std::string());
}

}  // namespace

std::unique_ptr<TlsContext> TlsContext::create(const TlsOptions& opt, std::string* error) {
    std::unique_ptr<TlsContext> t(new TlsContext());
    t->opt_ = opt;
    t->ctx_ = SSL_CTX_new(opt.server ? TLS_server_method() : TLS_client_method());
    auto fail = [&](const std::string& what) {
        if (error) *error = openssl_error(what.c_str());
        return nullptr;
    };
    if (!t->ctx_) return fail("SSL_CTX_new");
    SSL_CTX* ctx = t->ctx_;
    SSL_CTX_set_app_data(ctx, t.get());
    int lo = TLS1_2_VERSION, hi = TLS1_3_VERSION;
    if (opt.version == "1.2")
        hi = TLS1_2_VERSION;
    else if (opt.version == "1.3")
        lo = TLS1_3_VERSION;
    else if (!opt.version.empty()) {
        if (error) *error = "--tls-version must be 1.2 or 1.3, got '" + opt.version + "'";
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, lo);
    SSL_CTX_set_max_proto_version(ctx, hi);
    // Output waits in a buffer that may move between retries; a peer's close without close_notify
    // is an end of stream, as it is on TCP.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!opt.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx, opt.cert_file.c_str()) != 1)
            return fail("--tls-cert " + opt.cert_file);
        if (SSL_CTX_use_PrivateKey_file(ctx, (opt.key_file.empty() ? opt.cert_file : opt.key_file).c_str(),
                                        SSL_FILETYPE_PEM) != 1)
            return fail("--tls-key " + (opt.key_file.empty() ? opt.cert_file : opt.key_file));
        if (SSL_CTX_check_private_key(ctx) != 1) return fail("--tls-key does not match --tls-cert");
    } else if (opt.server) {
        if (error) *error = "a TLS server needs --tls-cert and --tls-key";
        return nullptr;
    }
    if (opt.server) {
        if (!opt.ca_file.empty()) {
            if (SSL_CTX_load_verify_locations(ctx, opt.ca_file.c_str(), nullptr) != 1)
                return fail("--tls-ca " + opt.ca_file);
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        }
    } else if (!opt.insecure) {
        if (!opt.ca_file.empty() ? SSL_CTX_load_verify_locations(ctx, opt.ca_file.c_str(), nullptr) != 1
                                 : SSL_CTX_set_default_verify_paths(ctx) != 1)
            return fail(opt.ca_file.empty() ? "system CA store" : "--tls-ca " + opt.ca_file);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    }
    if (!opt.server && opt.resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, &TlsContext::on_new_session);
    }
    if (!opt.keylog_file.empty()) {
        FILE* f = std::fopen(opt.keylog_file.c_str(), "a");
        if (!f) {
            if (error) *error = "--tls-keylog " + opt.keylog_file + ": " + strerror(errno);
            return nullptr;
        }
        setvbuf(f, nullptr, _IOLBF, 0);
        t->keylog_.reset(f, [](FILE* p) { std::fclose(p); });
        SSL_CTX_set_keylog_callback(ctx, &TlsContext::on_keylog);
    }
    return t;
}

TlsContext::~TlsContext() {
    if (session_) SSL_SESSION_free(session_);
    if (ctx_) SSL_CTX_free(ctx_);
}

int TlsContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    if (self->session_) SSL_SESSION_free(self->session_);
    self->session_ = session;
    return 1;  // we keep the reference
}

void TlsContext::on_keylog(const SSL* ssl, const char* line) {
    auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    if (self->keylog_) std::fprintf(self->keylog_.get(), "%s\n", line);
}

std::unique_ptr<TlsSession> TlsSession::create(TlsContext& ctx, int fd, bool server, const Address& peer,
                                               std::string* error) {
    std::unique_ptr<TlsSession> s(new TlsSession());
    s->ctx_ = &ctx;
    s->ssl_ = SSL_new(ctx.ctx());
    if (!s->ssl_ || SSL_set_fd(s->ssl_, fd) != 1) {
        if (error) *error = openssl_error("SSL_new");
        return nullptr;
    }
    if (server) {
        SSL_set_accept_state(s->ssl_);
        return s;
    }
    SSL_set_connect_state(s->ssl_);
    const TlsOptions& o = ctx.options();
    if (!o.server_name.empty()) {
        SSL_set_tlsext_host_name(s->ssl_, o.server_name.c_str());
        if (!o.insecure) SSL_set1_host(s->ssl_, o.server_name.c_str());
    } else if (!o.insecure) {
        // An IP target matches an iPAddress subjectAltName only (RFC 5922 §7.1, RFC 6125).
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl_), peer.ip_string().c_str());
    }
    if (o.resume && ctx.session_) SSL_set_session(s->ssl_, ctx.session_);
    return s;
}

TlsSession::~TlsSession() {
    if (ssl_) SSL_free(ssl_);
}

void TlsSession::record_error(int ret) {
    const int code = SSL_get_error(ssl_, ret);
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
        certificate_ = true;
        snprintf(error_, sizeof(error_), "certificate verify failed: %s",
                 X509_verify_cert_error_string(verify));
        ERR_clear_error();
        return;
    }
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    const char* reason = e ? ERR_reason_error_string(e) : nullptr;
    if (reason) {
        // The peer's alerts about certificates (unknown CA, a missing client certificate) are
        // certificate refusals too.
        certificate_ =
            std::strstr(reason, "certificate") != nullptr || std::strstr(reason, "unknown ca") != nullptr;
        snprintf(error_, sizeof(error_), "%s", reason);
    } else if (code == SSL_ERROR_SYSCALL) {
        snprintf(error_, sizeof(error_), "%s",
                 errno ? strerror(errno) : "connection closed during the handshake");
    } else {
        snprintf(error_, sizeof(error_), "TLS error %d", code);
    }
}

TlsSession::Step TlsSession::handshake() {
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        if (SSL_session_reused(ssl_)) ++ctx_->resumed_;
        return Step::kDone;
    }
    switch (SSL_get_error(ssl_, r)) {
        case SSL_ERROR_WANT_READ:
            return Step::kWantRead;
        case SSL_ERROR_WANT_WRITE:
            return Step::kWantWrite;
        default:
            record_error(r);
            return Step::kFailed;
    }
}

long TlsSession::read(char* buf, size_t room, bool& eof, int& err) {
    size_t got = 0;
    while (got < room) {
        size_t n = 0;
        const int r = SSL_read_ex(ssl_, buf + got, room - got, &n);
        if (r == 1) {
            got += n;
            continue;
        }
        switch (SSL_get_error(ssl_, r)) {
            case SSL_ERROR_WANT_READ:
            case SSL_ERROR_WANT_WRITE:
                return static_cast<long>(got);
            case SSL_ERROR_ZERO_RETURN:
                eof = true;
                return static_cast<long>(got);
            default:
                record_error(r);
                err = EPROTO;
                return static_cast<long>(got);
        }
    }
    return static_cast<long>(got);
}

long TlsSession::write(const char* data, size_t len, int& err) {
    size_t n = 0;
    const int r = SSL_write_ex(ssl_, data, len, &n);
    if (r == 1) return static_cast<long>(n);
    switch (SSL_get_error(ssl_, r)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return 0;
        default:
            // A peer that refused us (an alert: "certificate required") and closed makes our write
            // fail with a reset; its alert, still unread, says why.
            if (SSL_get_error(ssl_, r) == SSL_ERROR_SYSCALL) {
                ERR_clear_error();
                char sink[512];
                size_t n = 0;
                const int rr = SSL_read_ex(ssl_, sink, sizeof(sink), &n);
                if (rr != 1 && SSL_get_error(ssl_, rr) == SSL_ERROR_SSL) {
                    record_error(rr);
                    err = EPROTO;
                    return 0;
                }
            }
            record_error(r);
            err = EPROTO;
            return 0;
    }
}

void TlsSession::shutdown() {
    SSL_shutdown(ssl_);  // one close_notify, no wait for the peer's
    ERR_clear_error();
}

const char* TlsSession::version() const {
    return SSL_get_version(ssl_);
}

bool TlsSession::pending() const {
    return SSL_pending(ssl_) > 0;
}

bool TlsSession::resumed() const {
    return SSL_session_reused(ssl_) == 1;
}

const char* TlsSession::cipher() const {
    return SSL_get_cipher_name(ssl_);
}

}  // namespace sipstorm::net
