// A MOS estimate from the ITU-T G.107 E-model, simplified the way RTP monitors commonly do (RFC 3611
// §4.7.5 reports the same R and MOS): every default of G.107 Table 3 (so the basic signal-to-noise
// ratio gives R0 - Is = 93.2), the delay impairment Id from one-way mouth-to-ear delay with the
// Cole & Rosenbluth fit of G.107's curve, and the effective equipment impairment Ie-eff from packet
// loss (G.107 §3.6, random loss: BurstR = 1). For G.711, Ie = 0 and Bpl = 25.1 with packet loss
// concealment (G.113 Appendix I), 4.3 without. No advantage factor (A = 0).
#pragma once

namespace sipstorm::media {

struct EModelInput {
    double loss_pct = 0;          // packets lost, 0..100
    double one_way_delay_ms = 0;  // mouth-to-ear: network + jitter buffer + codec
    double ie = 0;                // codec's equipment impairment (G.711: 0)
    double bpl = 25.1;            // codec's packet-loss robustness (G.711 with PLC)
    double burst_ratio = 1;       // 1 = random loss
};

double r_factor(const EModelInput& in);
double mos_from_r(double r);  // G.107 Annex B: 1 .. 4.5
inline double mos(const EModelInput& in) {
    return mos_from_r(r_factor(in));
}

}  // namespace sipstorm::media
