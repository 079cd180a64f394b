// Runs a step's variable operations (SIPp's assign, add, test, strcmp, ... actions, see VarOp in
// program.hpp) on a call's variables, through an interface so the engine keeps its storage private.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "ua/program.hpp"

namespace sipstorm::ua {

class VarAccess {
  public:
    virtual std::string_view get(int var) const = 0;
    // False when the call cannot hold the value (its arena is full).
    virtual bool set(int var, std::string_view value) = 0;
    virtual double sample_ms(const PauseSpec& dist) = 0;
    virtual double now_seconds() const = 0;  // wall clock, for gettimeofday
    // Whether the message the step received carries Digest credentials of this user and password
    // (false without one).
    virtual bool credentials_are(std::string_view user, std::string_view password) const = 0;

  protected:
    ~VarAccess() = default;
};

struct OpsOutcome {
    enum Kind : uint8_t { kContinue, kJump, kFail, kStop, kArenaFull } kind = kContinue;
    int target = -1;            // kJump: step index
    std::string_view reason{};  // kFail: views the op's text
};

OpsOutcome run_var_ops(const std::vector<VarOp>& ops, VarAccess& vars);

// A number as SIPp prints a double variable ("%f": 3 -> "3.000000"); the text of a variable as a
// number (0 when it is none).
std::string format_number(double v);
double parse_number(std::string_view text);

}  // namespace sipstorm::ua
