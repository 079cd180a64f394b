#include "sip_files.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "sip/message.hpp"

namespace sipstorm::cli {

std::string read_input(const std::string& path) {
    if (path == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        if (std::cin.bad()) throw IoError("cannot read standard input");
        return ss.str();
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw IoError(path + ": is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path + ": " + std::strerror(errno));
    try {
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    } catch (const std::exception& e) {
        throw IoError(path + ": " + e.what());
    }
}

namespace {

// Skips the CR and LF octets that may precede a start line (RFC 3261 §7.5).
size_t skip_line_breaks(std::string_view s, size_t pos) {
    while (pos < s.size() && (s[pos] == '\r' || s[pos] == '\n')) ++pos;
    return pos;
}

}  // namespace

std::vector<MessageChunk> split_messages(std::string_view content, Split mode) {
    std::vector<MessageChunk> chunks;
    sip::MessageView view;
    size_t pos = skip_line_breaks(content, 0);
    if (mode == Split::kDatagram) {
        if (pos < content.size()) chunks.push_back({content.substr(pos), sip::Framing::kDatagram});
        return chunks;
    }
    while (pos < content.size()) {
        std::string_view rest = content.substr(pos);
        sip::ParseResult r = sip::parse(rest, view, sip::Framing::kStream);
        if (!r.ok() || view.size == 0 || view.size > rest.size()) {
            chunks.push_back({rest, sip::Framing::kDatagram});
            break;
        }
        chunks.push_back({rest.substr(0, view.size), sip::Framing::kStream});
        pos = skip_line_breaks(content, pos + view.size);
    }
    return chunks;
}

std::string display_name(const std::string& path) {
    return path == "-" ? "<stdin>" : path;
}

}  // namespace sipstorm::cli
