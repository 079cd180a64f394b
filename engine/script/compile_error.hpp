// Where and why a scenario failed to load: reported as "file:line: message", like a compiler.
#pragma once
#include <string>

namespace sipstorm::script {

struct CompileError {
    std::string file;
    int line = 0;  // 0 when no line applies (e.g. the file can't be opened)
    std::string message;
};

inline std::string to_string(const CompileError& e) {
    if (e.line > 0) return e.file + ":" + std::to_string(e.line) + ": " + e.message;
    return e.file + ": " + e.message;
}

}  // namespace sipstorm::script
