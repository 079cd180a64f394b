#include "media/emodel.hpp"

#include <algorithm>

namespace sipstorm::media {

double r_factor(const EModelInput& in) {
    const double d = std::max(0.0, in.one_way_delay_ms);
    // Id: G.107's delay impairment as fitted by Cole & Rosenbluth (SIGCOMM CCR 2001).
    const double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
    const double ppl = std::clamp(in.loss_pct, 0.0, 100.0);
    const double burst = std::max(1.0, in.burst_ratio);
    const double ie_eff = in.ie + (95.0 - in.ie) * ppl / (ppl / burst + in.bpl);
    return std::clamp(93.2 - id - ie_eff, 0.0, 100.0);
}

double mos_from_r(double r) {
    if (r <= 0) return 1.0;
    if (r >= 100) return 4.5;
    return 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
}

}  // namespace sipstorm::media
