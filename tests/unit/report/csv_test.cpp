#include "report/csv.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "fixture.hpp"

namespace sipstorm::report {
namespace {

std::vector<std::vector<std::string>> parse(const std::string& csv) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        size_t start = 0;
        for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
            cells.push_back(line.substr(start, comma - start));
        cells.push_back(line.substr(start));
        rows.push_back(std::move(cells));
    }
    return rows;
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return 0;
}

TEST(Csv, HeaderAndOneRowPerSecond) {
    std::string csv = series_csv(test::fixture_result());
    ASSERT_FALSE(csv.empty());
    EXPECT_EQ(csv.back(), '\n');
    auto rows = parse(csv);
    ASSERT_EQ(rows.size(), 4u);  // header + 3 seconds
    const auto& h = rows[0];
    EXPECT_EQ(h[0], "t");
    EXPECT_TRUE(csv.starts_with(
        "t,interval_s,attempted,succeeded,failed,cps,concurrent,retransmissions,unexpected,parse_errors,"
        "setup_count,setup_p50_ms,setup_p99_ms,setup_max_ms,lag_max_ms,busy_share,rx_drops,tx_errors,"
        "connections,connections_opened,failed_timeout,failed_unexpected_message,failed_4xx,failed_5xx,failed_6xx,failed_transport_error,"
        "failed_aborted,failed_other,in_1xx,in_2xx,in_3xx,in_4xx,in_5xx,in_6xx,out_ACK,out_BYE,out_INVITE,"
        "out_1xx,out_2xx,"))
        << csv;
    for (size_t r = 1; r < rows.size(); ++r) {
        EXPECT_EQ(rows[r].size(), h.size()) << "row " << r;
        EXPECT_EQ(rows[r][column(h, "t")], std::to_string(r));
    }
    const auto& row = rows[1];
    EXPECT_EQ(row[column(h, "interval_s")], "1");
    EXPECT_EQ(row[column(h, "attempted")], "100");
    EXPECT_EQ(row[column(h, "setup_p50_ms")], "0.25");
    EXPECT_EQ(row[column(h, "busy_share")], "0.05");
    EXPECT_EQ(row[column(h, "failed_timeout")], "1");
    EXPECT_EQ(row[column(h, "failed_6xx")], "");  // not in the row: unknown, not 0
    EXPECT_EQ(row[column(h, "in_2xx")], "200");
    EXPECT_EQ(row[column(h, "in_3xx")], "0");  // the row has messages: a missing count is 0
    EXPECT_EQ(row[column(h, "out_INVITE")], "100");
}

TEST(Csv, RowsWithoutMessagesHaveNoMessageColumns) {
    nlohmann::json j = test::fixture_result();
    for (auto& row : j["series"]) row.erase("messages");
    auto rows = parse(series_csv(j));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].back(), "failed_other");
    EXPECT_EQ(rows[1].size(), rows[0].size());
}

TEST(Csv, NoSeriesIsJustTheHeader) {
    nlohmann::json j = test::fixture_result();
    j["series"] = nlohmann::json::array();
    EXPECT_EQ(parse(series_csv(j)).size(), 1u);
    EXPECT_EQ(parse(series_csv(nlohmann::json::object())).size(), 1u);
    EXPECT_EQ(parse(series_csv(nlohmann::json(42))).size(), 1u);
}

}  // namespace
}  // namespace sipstorm::report
