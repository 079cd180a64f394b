// Ctrl-C and SIGTERM end a run cleanly: the handler only records the signal, and the reporter or
// main loop polls stop_signalled() and winds the shards down (calls in flight count as aborted).
#pragma once

namespace sipstorm::runtime {

// Installs handlers for SIGINT and SIGTERM (SA_RESTART, so plain syscalls elsewhere don't see EINTR).
void install_stop_signals();
// True once SIGINT or SIGTERM arrived since install or the last reset.
bool stop_signalled();
// The signal number that arrived first (0 if none).
int stop_signal();
// How many stop signals arrived; a caller may treat a second one as "quit now".
unsigned stop_signal_count();
void reset_stop_signal();

}  // namespace sipstorm::runtime
