#include "report/file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sipstorm::report {

bool write_file(const std::string& path, std::string_view text, std::string& error) {
    // stdio rather than ofstream: errno then names the reason (No such file, Permission denied).
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    int write_errno = errno;
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        write_errno = errno;
    }
    if (!ok) error = "cannot write " + path + ": " + std::strerror(write_errno);
    return ok;
}

}  // namespace sipstorm::report
