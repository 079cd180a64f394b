// SIPp's statistics file (-trace_stat, -stf, -fd) written from a sipstorm result: SIPp's columns in
// SIPp's order with its ';' separator and time formats, so parsers of SIPp's file keep working.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sipstorm::cli {

struct SippStatOptions {
    double period_s = 60;                  // -fd
    bool uas = false;                      // calls counted as incoming
    std::vector<double> response_time_ms;  // ResponseTimeRepartition bounds
    std::vector<double> call_length_ms;    // CallLengthRepartition bounds
};

// Rows: the start (zeros), one per period, and the end. False with `error` when `path` can't be written.
bool write_sipp_stat(const nlohmann::json& result, const SippStatOptions& options, const std::string& path,
                     std::string& error);

}  // namespace sipstorm::cli
