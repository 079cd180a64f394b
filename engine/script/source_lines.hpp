// Finds where things are written in a scenario's source, so errors found after the file has run (in
// the table it returned) can still point at a line. Lua keeps no line for table constructors, so this
// is a small tokenizer (comments, short and long strings aware) rather than a debug-hook trick.
#pragma once
#include <string_view>
#include <vector>

namespace sipstorm::script {

// The line of the first token of each element of the first `steps = { ... }` constructor, in order.
// Empty if there is none. Elements may be tables or calls; if the steps list is built in code the
// count won't match the steps the file returned, and callers should fall back to key_line("steps").
std::vector<int> scan_step_lines(std::string_view source);

// The line of the first `key =` (outside strings and comments), or 0.
int key_line(std::string_view source, std::string_view key);

}  // namespace sipstorm::script
