// The `msg` a hook receives: a userdata over a sip::MessageView, valid only while the hook runs.
//   msg.code (responses) / msg.method, msg.uri (requests) / msg.reason / msg.is_request / msg.body
//   msg:header(name)  the first value of that header (any case, compact forms too), or nil
// One userdata per lua_State is reused for every hook, so running a hook allocates nothing for it.
#pragma once
#include "sip/message.hpp"

struct lua_State;

namespace sipstorm::script {

// Creates the userdata and leaves it on the stack.
void push_message_box(lua_State* L);

// Points the box at stack index `index` at `msg` (nullptr: later access raises an error).
void set_message(lua_State* L, int index, const sip::MessageView* msg);

}  // namespace sipstorm::script
