// PRINTF injection templates: "user%03d;pass%03d" with every %d replaced by one number.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sipstorm::data {

// Appends tmpl to out with each %[-0-9.]*d replaced by value and each %% by '%'. On any other use of
// '%' (or a conversion wider than 64 characters) returns false with why set; out is then unspecified.
bool expand_printf_line(std::string_view tmpl, uint64_t value, std::vector<char>& out, std::string& why);

}  // namespace sipstorm::data
