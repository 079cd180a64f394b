// A call's variables seen through ua::VarAccess: what the variable operations of a step (var_ops)
// and the Lua hooks (call.vars) read and write. Built on the stack for one step.
#pragma once
#include <time.h>

#include "ua/engine.hpp"
#include "ua/var_ops.hpp"

namespace sipstorm::ua {

class CallVars final : public VarAccess {
  public:
    // msg: the message the step received, if any (verifyauth reads its credentials).
    CallVars(Engine& engine, Call& call, const sip::MessageView* msg = nullptr)
        : engine_(engine), call_(call), msg_(msg) {}

    std::string_view get(int var) const override {
        return call_.field(engine_.var_base_ + static_cast<unsigned>(var));
    }
    bool set(int var, std::string_view value) override {
        // The value may view the arena itself (a copy of another variable): take it out first.
        std::string copy(value);
        return engine_.store_field(call_, engine_.var_base_ + static_cast<unsigned>(var), copy);
    }
    double sample_ms(const PauseSpec& dist) override {
        return static_cast<double>(engine_.sample_pause_ns(dist)) / 1e6;
    }
    double now_seconds() const override {
        timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    }

    bool credentials_are(std::string_view user, std::string_view password) const override {
        return msg_ && engine_.credentials_are(*msg_, user, password);
    }

  private:
    Engine& engine_;
    Call& call_;
    const sip::MessageView* msg_;
};

}  // namespace sipstorm::ua
