#include "shard_of.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "commands.hpp"

namespace sipstorm::cli {

namespace {

bool parse_uint(const std::string& text, uint32_t& out) {
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    return !text.empty() && ec == std::errc() && p == end;
}

}  // namespace

ShardOf parse_shard_of(const std::string& shard_of, uint32_t shards_total, const char* job_index) {
    ShardOf s;
    if (!shard_of.empty()) {
        const size_t slash = shard_of.find('/');
        if (slash == std::string::npos || !parse_uint(shard_of.substr(0, slash), s.index) ||
            !parse_uint(shard_of.substr(slash + 1), s.total))
            throw UsageError("--shard-of expects I/N (0-based), e.g. 0/4, got '" + shard_of + "'");
        if (shards_total && shards_total != s.total)
            throw UsageError("--shard-of " + shard_of + " and --shards-total " +
                             std::to_string(shards_total) + " disagree");
    } else if (shards_total) {
        s.total = shards_total;
        if (!job_index || !*job_index)
            throw UsageError(
                "--shards-total needs the shard index: --shard-of I/N, or JOB_COMPLETION_INDEX in the "
                "environment (a Kubernetes Indexed Job sets it)");
        if (!parse_uint(job_index, s.index))
            throw UsageError(std::string("JOB_COMPLETION_INDEX is not a number: '") + job_index + "'");
    } else {
        return s;
    }
    if (s.total == 0 || s.index >= s.total)
        throw UsageError("--shard-of: the index must be below the total (0-based), got " +
                         std::to_string(s.index) + "/" + std::to_string(s.total));
    s.set = true;
    return s;
}

uint64_t share_of(uint64_t total, const ShardOf& s) {
    return total / s.total + (s.index < total % s.total ? 1 : 0);
}

uint32_t run_id_for(uint32_t random, const ShardOf& s) {
    if (!s.set) return random;
    const uint64_t base = random - random % s.total;
    const uint64_t id = base + s.index;
    return static_cast<uint32_t>(id > UINT32_MAX ? id - s.total : id);
}

std::string range_part(const std::string& range, const ShardOf& s, const char* option) {
    if (!s.set) return range;
    const size_t comma = range.find(',');
    const std::string v4 = range.substr(0, comma);
    const std::string rest = comma == std::string::npos ? "" : range.substr(comma);
    const size_t dash = v4.find('-');
    if (dash == std::string::npos) return range;
    in_addr a{}, b{};
    if (inet_pton(AF_INET, v4.substr(0, dash).c_str(), &a) != 1 ||
        inet_pton(AF_INET, v4.substr(dash + 1).c_str(), &b) != 1)
        return range;  // the option's own parser reports it
    const uint32_t lo = ntohl(a.s_addr), hi = ntohl(b.s_addr);
    if (hi < lo) return range;
    const uint64_t n = uint64_t{hi} - lo + 1;
    if (n < s.total)
        throw UsageError(std::string("--") + option + " " + v4 + ": " + std::to_string(n) +
                         " address(es) for " + std::to_string(s.total) + " shards (--shard-of)");
    const uint64_t first = lo + s.index * (n / s.total) + std::min<uint64_t>(s.index, n % s.total);
    const uint64_t count = n / s.total + (s.index < n % s.total ? 1 : 0);
    auto text = [](uint64_t v) {
        in_addr x{htonl(static_cast<uint32_t>(v))};
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &x, buf, sizeof(buf));
        return std::string(buf);
    };
    return text(first) + "-" + text(first + count - 1) + rest;
}

}  // namespace sipstorm::cli
