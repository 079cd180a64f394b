// The outcome of one case: its verdict, one sentence on why, and the messages exchanged.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "conform/case.hpp"

namespace sipstorm::conform {

enum class Verdict : uint8_t { kPass, kFail, kInconclusive, kNotApplicable };

std::string_view to_string(Verdict v);  // "pass", "fail", "inconclusive", "n/a"

struct Exchange {
    double t_ms = 0;    // since the case started
    bool sent = false;  // we sent it (else it arrived)
    std::string from;   // HOST:PORT
    std::string to;
    std::string bytes;
};

struct CaseResult {
    const Case* c = nullptr;
    Verdict verdict = Verdict::kPass;
    std::string message;   // why (empty on a pass)
    bool allowed = false;  // a failure listed in --allow
    double duration_ms = 0;
    std::vector<Exchange> evidence;
    bool target_down = false;  // a liveness probe after the stimulus went unanswered
};

}  // namespace sipstorm::conform
