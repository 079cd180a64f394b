#include "auth/hash.hpp"

#include <openssl/evp.h>

#include <array>

namespace sipstorm::auth {
namespace {

// Fetched once, kept for the life of the process.
const std::array<EVP_MD*, 3>& digests() {
    static const std::array<EVP_MD*, 3> mds = {
        EVP_MD_fetch(nullptr, "MD5", nullptr),
        EVP_MD_fetch(nullptr, "SHA2-256", nullptr),
        EVP_MD_fetch(nullptr, "SHA2-512/256", nullptr),
    };
    return mds;
}

struct ThreadCtx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadCtx() { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* thread_ctx() {
    thread_local ThreadCtx t;
    return t.ctx;
}

}  // namespace

bool algorithm_info(sip::DigestAlgorithm a, AlgorithmInfo& out) {
    using A = sip::DigestAlgorithm;
    switch (a) {
        case A::kNone:
        case A::kMd5:
            out = {HashKind::kMd5, false};
            break;
        case A::kMd5Sess:
            out = {HashKind::kMd5, true};
            break;
        case A::kSha256:
            out = {HashKind::kSha256, false};
            break;
        case A::kSha256Sess:
            out = {HashKind::kSha256, true};
            break;
        case A::kSha512_256:
            out = {HashKind::kSha512_256, false};
            break;
        case A::kSha512_256Sess:
            out = {HashKind::kSha512_256, true};
            break;
        default:
            return false;
    }
    return digests()[static_cast<size_t>(out.hash)] != nullptr;
}

std::string_view algorithm_name(sip::DigestAlgorithm a) {
    using A = sip::DigestAlgorithm;
    switch (a) {
        case A::kMd5:
            return "MD5";
        case A::kMd5Sess:
            return "MD5-sess";
        case A::kSha256:
            return "SHA-256";
        case A::kSha256Sess:
            return "SHA-256-sess";
        case A::kSha512_256:
            return "SHA-512-256";
        case A::kSha512_256Sess:
            return "SHA-512-256-sess";
        default:
            return {};
    }
}

bool Hasher::begin(HashKind h) {
    const EVP_MD* md = digests()[static_cast<size_t>(h)];
    ctx_ = thread_ctx();
    ok_ = md != nullptr && ctx_ != nullptr && EVP_DigestInit_ex2(ctx_, md, nullptr) == 1;
    return ok_;
}

void Hasher::add(std::string_view s) {
    if (ok_ && !s.empty()) ok_ = EVP_DigestUpdate(ctx_, s.data(), s.size()) == 1;
}

void Hasher::add_unquoted(std::string_view s) {
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 == s.size()) continue;
        add(s.substr(start, i - start));
        start = ++i;  // keep the escaped character, skip the backslash
    }
    add(s.substr(start));
}

size_t Hasher::finish_hex(char* out) {
    if (!ok_) return 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    ok_ = false;
    if (EVP_DigestFinal_ex(ctx_, md, &n) != 1) return 0;
    constexpr char kHex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n; ++i) {
        out[2 * i] = kHex[md[i] >> 4];
        out[2 * i + 1] = kHex[md[i] & 15];
    }
    return 2 * size_t{n};
}

}  // namespace sipstorm::auth
