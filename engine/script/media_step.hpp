// The media steps of the scenario language (engine/media does the work):
//   rtp = { play = "tone:1000" | "FILE.wav" | "pcap:FILE.pcap", codec = "PCMU" | "PCMA", ptime = 20,
//           duration = "10s", loop = true }    start a stream; the next step follows at once
//   rtp = { echo = true }                       send back what arrives
//   rtp = "stop"                                stop playing and echoing
//   dtmf = "123#"                               RFC 4733 events on the stream
//   recv = "dtmf", digits = "123#"              wait until the stream has received these digits
// Files are relative to the scenario's folder; play, duration and dtmf take ${params}.
#pragma once
#include <map>
#include <string>

#include "ua/program.hpp"

struct lua_State;

namespace sipstorm::script {

// The step's table is at `index`; `dtmf` says which key it has. Appends to program.media and sets
// step.kind / step.media, or fills `error`.
bool compile_media_step(lua_State* L, int index, bool dtmf, const std::map<std::string, std::string>& params,
                        ua::Program& program, ua::Step& step, std::string& error);

// recv = "dtmf", digits = "123#": the digits a recv step waits for on the call's stream (sets
// step.dtmf and step.digits; the other recv keys are the step compiler's).
bool compile_dtmf_recv(lua_State* L, int index, const std::map<std::string, std::string>& params,
                       ua::Step& step, std::string& error);

}  // namespace sipstorm::script
