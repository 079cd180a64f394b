// Plays cases against one target over UDP from its own non-blocking sockets and poll() loop: every
// case that is not `serial` runs side by side with the others (each has its own Call-IDs, branches
// and tags, and the datagrams that come back are routed to it by the token they carry), then the
// serial ones one at a time. Independent of the load engine.
#pragma once
#include <string>
#include <vector>

#include "conform/case.hpp"
#include "conform/result.hpp"
#include "net/address.hpp"

namespace sipstorm::conform {

struct RunOptions {
    net::Address target;
    net::Address local;       // the address to bind (port 0: any); its IP is ${local_ip}
    uint32_t t1_ms = 500;     // for the liveness probe's re-sends
    bool probe_first = true;  // an unanswered OPTIONS before the run makes every case inconclusive
    size_t max_parallel = 200;
    // Role uac: the main socket listens on `local` and the target calls it. A request with a
    // Call-ID no case knows goes to the first running case waiting for that method (its first step
    // expects a request), which then answers the request's source; `target` is not used.
    bool listen = false;
};

// False + error when the sockets cannot be opened. results[i] belongs to cases[i].
bool run_cases(const std::vector<Case>& cases, const RunOptions& opt, std::vector<CaseResult>& results,
               std::string& error);

}  // namespace sipstorm::conform
