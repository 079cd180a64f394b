// Numbers as people read them in tables and explanations: integers without a fraction, other values
// with a few significant decimals, no exponent for the magnitudes a load test produces.
#pragma once
#include <string>

namespace sipstorm::report {

// "0", "12", "0.0123", "12.346", "1234.6", "nan", "inf".
std::string format_number(double v);

}  // namespace sipstorm::report
