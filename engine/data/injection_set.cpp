#include "data/injection_set.hpp"

namespace sipstorm::data {
namespace {

std::string_view file_name(std::string_view path) {
    const size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view stem(std::string_view path) {
    const std::string_view name = file_name(path);
    const size_t dot = name.rfind('.');
    return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

bool all_digits(std::string_view s) {
    if (s.empty() || s.size() > 9) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

bool InjectionSet::add(const std::string& path, std::string& error) {
    InjectionFile f;
    if (!load_injection(path, f, error)) return false;
    files_.push_back(std::move(f));
    return true;
}

int InjectionSet::find(std::string_view key, std::string& error) const {
    if (all_digits(key)) {
        size_t i = 0;
        for (char c : key) i = i * 10 + size_t(c - '0');
        if (i < files_.size()) return static_cast<int>(i);
        error = "no injection file " + std::string(key) + " (" + std::to_string(files_.size()) + " loaded)";
        return -1;
    }
    int found = -1;
    for (size_t i = 0; i < files_.size(); ++i) {
        const std::string_view p = files_[i].path();
        if (p != key && file_name(p) != key && stem(p) != key) continue;
        if (found >= 0) {
            error = "injection file '" + std::string(key) + "' is ambiguous: " + files_[found].path() +
                    " and " + std::string(p);
            return -1;
        }
        found = static_cast<int>(i);
    }
    if (found < 0) error = "no injection file '" + std::string(key) + "'";
    return found;
}

bool InjectionSet::resolve(std::string_view file_key, std::string_view field_key, FieldRef& out,
                           std::string& error) const {
    int f = 0;
    if (file_key.empty()) {
        if (files_.empty()) {
            error = "no injection file loaded (use --inf FILE)";
            return false;
        }
    } else if ((f = find(file_key, error)) < 0) {
        return false;
    }
    const InjectionFile& file = files_[f];
    const int field = file.field_index(field_key);
    if (field < 0) {
        error = file.path() + ": no field '" + std::string(field_key) + "' (rows have " +
                std::to_string(file.width()) + (file.width() == 1 ? " field" : " fields") + ")";
        return false;
    }
    out = FieldRef{static_cast<uint32_t>(f), static_cast<uint32_t>(field)};
    return true;
}

}  // namespace sipstorm::data
