// Writes small injection files for the tests into a per-process directory under gtest's temp dir.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sipstorm::data::test {

inline std::string test_dir() {
    static const std::string dir = [] {
        const std::string d = ::testing::TempDir() + "/sipstorm_data_" + std::to_string(::getpid());
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

inline std::string write_file(const std::string& name, const std::string& contents) {
    const std::string path = test_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    return path;
}

}  // namespace sipstorm::data::test
