#include "commands.hpp"

namespace sipstorm::cli {
int cmd_serve(const Args&) { throw UsageError("not implemented yet"); }
}  // namespace sipstorm::cli
