#include "data/injection_set.hpp"

#include <gtest/gtest.h>

#include "data/injection_cursor.hpp"
#include "test_files.hpp"

namespace sipstorm::data {
namespace {

using test::write_file;

TEST(InjectionSet, SeveralFilesEachWithItsOwnFields) {
    InjectionSet set;
    std::string error;
    ASSERT_TRUE(set.add(write_file("caller.csv", "USER\nalice;pa\nbob;pb\n"), error)) << error;
    ASSERT_TRUE(set.add(write_file("callee.csv", "RANDOM\nsip:carol@x\nsip:dave@x\nsip:erin@x\n"), error))
        << error;
    ASSERT_EQ(set.size(), 2u);
    ASSERT_TRUE(set.file(0).set_names({"user", "password"}, error)) << error;

    FieldRef r;
    ASSERT_TRUE(set.resolve("", "field1", r, error)) << error;  // no file: the first one, as in SIPp
    EXPECT_EQ(r.file, 0u);
    EXPECT_EQ(r.field, 1u);
    ASSERT_TRUE(set.resolve("caller", "password", r, error)) << error;
    EXPECT_EQ(r.field, 1u);
    ASSERT_TRUE(set.resolve("callee.csv", "field0", r, error)) << error;
    EXPECT_EQ(r.file, 1u);
    ASSERT_TRUE(set.resolve("1", "field0", r, error)) << error;
    EXPECT_EQ(r.file, 1u);

    EXPECT_FALSE(set.resolve("callee", "field1", r, error));
    EXPECT_NE(error.find("callee.csv: no field 'field1' (rows have 1 field)"), std::string::npos) << error;
    EXPECT_FALSE(set.resolve("nobody", "field0", r, error));
    EXPECT_EQ(error, "no injection file 'nobody'");
    EXPECT_FALSE(set.resolve("2", "field0", r, error));
    EXPECT_EQ(error, "no injection file 2 (2 loaded)");

    // One cursor per file per shard; a call takes a row from each.
    InjectionCursor caller(set.file(0), 0, 1, 5), callee(set.file(1), 0, 1, 5);
    EXPECT_EQ(caller.for_call(1)[set.file(0).field_index("user")], "bob");
    EXPECT_EQ(callee.for_call(1)[0].substr(0, 4), "sip:");
}

TEST(InjectionSet, AmbiguousAndMissing) {
    InjectionSet set;
    std::string error;
    FieldRef r;
    EXPECT_FALSE(set.resolve("", "field0", r, error));
    EXPECT_EQ(error, "no injection file loaded (use --inf FILE)");
    ASSERT_TRUE(set.add(write_file("users.csv", "SEQUENTIAL\na\n"), error)) << error;
    ASSERT_TRUE(set.add(write_file("users.txt", "SEQUENTIAL\nb\n"), error)) << error;
    EXPECT_EQ(set.find("users", error), -1);
    EXPECT_NE(error.find("is ambiguous"), std::string::npos) << error;
    EXPECT_EQ(set.find("users.txt", error), 1);
    EXPECT_FALSE(set.add(write_file("bad.csv", "SEQUENTIAL\n"), error));
    EXPECT_NE(error.find("bad.csv:1: no data lines"), std::string::npos) << error;
    EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace sipstorm::data
