// ${NAME} and ${NAME:ARG} substitution in case templates. Unknown slots are left as written, so
// a case that sends "${" on purpose can; ${len} becomes the body length once the rest is filled in.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sipstorm::conform {

// Returns the value of slot (name, arg) or nullopt when it is not a slot.
using SlotLookup = std::function<std::optional<std::string>(std::string_view name, std::string_view arg)>;

std::string fill_slots(std::string_view tpl, const SlotLookup& lookup);

}  // namespace sipstorm::conform
