// The hash behind a digest algorithm (MD5, SHA-256, SHA-512/256) through OpenSSL EVP. Each EVP_MD is
// fetched once per process; each thread reuses one EVP_MD_CTX. Output is lowercase hex in a caller
// buffer. (OpenSSL 3.0 still allocates its small per-init algorithm context inside EVP_DigestInit.)
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sip/digest.hpp"

struct evp_md_ctx_st;

namespace sipstorm::auth {

enum class HashKind : uint8_t { kMd5, kSha256, kSha512_256 };

inline constexpr size_t kMaxHexLen = 64;  // SHA-256 and SHA-512/256; MD5 is 32

constexpr size_t hex_len(HashKind h) {
    return h == HashKind::kMd5 ? 32 : 64;
}

struct AlgorithmInfo {
    HashKind hash = HashKind::kMd5;
    bool sess = false;
};

// False for DigestAlgorithm::kOther and for SHA-512-256 when this OpenSSL lacks it.
// kNone (no algorithm parameter) means MD5.
bool algorithm_info(sip::DigestAlgorithm a, AlgorithmInfo& out);

// The canonical token for an algorithm ("MD5", "SHA-256-sess", ...); empty for kNone and kOther.
std::string_view algorithm_name(sip::DigestAlgorithm a);

// One running hash. Not reentrant within a thread: finish one before beginning the next.
class Hasher {
  public:
    bool begin(HashKind h);
    void add(std::string_view s);
    // Adds the content of a quoted-string as written on the wire, decoding quoted-pairs ("\x" -> x).
    void add_unquoted(std::string_view s);
    // Writes the lowercase hex digest to out (at least hex_len(h) chars); returns its length, 0 on error.
    size_t finish_hex(char* out);

  private:
    evp_md_ctx_st* ctx_ = nullptr;
    bool ok_ = false;
};

}  // namespace sipstorm::auth
