// Suites built from data other than case files: `torture` from the RFC 4475 / RFC 5118 manifests
// (each message re-addressed to the target, its answer checked, a liveness OPTIONS after it) and
// `robustness` from a seeded mutator of INVITEs in the manner of PROTOS c07-sip (a liveness probe
// after each). A robustness case's id (ROB-SEED-N) is enough to rebuild its bytes for --case.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "conform/case.hpp"

namespace sipstorm::conform {

// Re-addresses one message: the Request-URI's host[:port] becomes ${target} (not when the host is
// an unbracketed IPv6 address, the point of such a message) and the top Via's sent-by ${local}.
std::string readdress(std::string_view message);

// dir holds rfc4475/ and rfc5118/ with their MANIFEST.tsv.
bool torture_cases(const std::string& dir, const std::string& role, std::vector<Case>& out,
                   std::string& error);

void robustness_cases(uint64_t seed, uint32_t count, std::vector<Case>& out);
// ROB-SEED-N -> that case; false when the id is not of that form.
bool robustness_case(const std::string& id, Case& out);

}  // namespace sipstorm::conform
