#include "media/emodel.hpp"

#include <gtest/gtest.h>

namespace sipstorm::media {
namespace {

TEST(EModel, G711WithoutImpairmentsIsTheBestNarrowbandScore) {
    EXPECT_DOUBLE_EQ(r_factor({}), 93.2);
    EXPECT_NEAR(mos({}), 4.41, 0.01);
}

TEST(EModel, LossAndDelayLowerTheScore) {
    EModelInput one;
    one.loss_pct = 1;
    EXPECT_NEAR(r_factor(one), 93.2 - 95.0 / 26.1, 1e-9);  // Ie-eff = 95 * 1 / (1 + 25.1)
    EModelInput late;
    late.one_way_delay_ms = 200;
    EXPECT_NEAR(r_factor(late), 93.2 - 4.8 - 0.11 * 22.7, 1e-9);
    EModelInput bad;
    bad.loss_pct = 20;
    bad.bpl = 4.3;  // no concealment
    EXPECT_LT(mos(bad), 2.0);
    EXPECT_GE(mos(bad), 1.0);
    EXPECT_DOUBLE_EQ(mos_from_r(0), 1.0);
    EXPECT_DOUBLE_EQ(mos_from_r(100), 4.5);
}

}  // namespace
}  // namespace sipstorm::media
