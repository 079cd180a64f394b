// Reading SIP message files for the CLI (lint, bench parse): a file or stdin ("-") is read whole and
// split into messages. Messages back to back are delimited by Content-Length (stream framing); a file
// that cannot be framed that way is taken as one datagram, where Content-Length is optional.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sip/parser.hpp"

namespace sipstorm::cli {

// A file that cannot be read; the message names the file and the reason.
struct IoError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Returns the whole content of `path`, or of standard input when `path` is "-". Throws IoError.
std::string read_input(const std::string& path);

// One message of a file: its bytes and the framing that delimits it (pass both to sip::parse).
struct MessageChunk {
    std::string_view bytes;
    sip::Framing framing = sip::Framing::kStream;
};

// How a file's bytes map to messages.
enum class Split : uint8_t {
    kStream,    // messages back to back, delimited by Content-Length (see split_messages)
    kDatagram,  // the whole file is one UDP datagram: one message, octets after its body ignored
};

// Splits `content` into messages. CRLFs between messages (keep-alives, trailing blank lines) are
// skipped. With Split::kStream, a part that stream framing cannot delimit (no or bad
// Content-Length, truncated) becomes the last chunk, with datagram framing, so that parsing it gives
// the verdict. Views point into `content`. Returns no chunk for an empty or blank input.
std::vector<MessageChunk> split_messages(std::string_view content, Split mode = Split::kStream);

// The display name of an input: the path, or "<stdin>" for "-".
std::string display_name(const std::string& path);

}  // namespace sipstorm::cli
