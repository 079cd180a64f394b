#include "sippxml/xml_tree.hpp"

#include <expat.h>

#include <fstream>
#include <sstream>

namespace sipstorm::sippxml {
namespace {

struct Builder {
    XML_Parser parser;
    Element* root;
    std::vector<Element*> stack;
    bool have_root = false;

    int line() const { return static_cast<int>(XML_GetCurrentLineNumber(parser)); }

    static void on_start(void* data, const XML_Char* name, const XML_Char** attrs) {
        auto* b = static_cast<Builder*>(data);
        Element* e;
        if (b->stack.empty()) {
            e = b->root;
            b->have_root = true;
        } else {
            b->stack.back()->children.emplace_back();
            e = &b->stack.back()->children.back();
        }
        e->name = name;
        e->line = b->line();
        for (int i = 0; attrs[i] != nullptr; i += 2) e->attrs.emplace_back(attrs[i], attrs[i + 1]);
        b->stack.push_back(e);
    }

    static void on_end(void* data, const XML_Char*) { static_cast<Builder*>(data)->stack.pop_back(); }

    static void on_text(void* data, const XML_Char* s, int len) {
        auto* b = static_cast<Builder*>(data);
        if (b->stack.empty()) return;
        Element* e = b->stack.back();
        if (e->text.empty()) e->text_line = b->line();
        e->text.append(s, static_cast<size_t>(len));
    }
};

}  // namespace

bool parse_xml(std::string_view text, const std::string& path, Element& root, script::CompileError& err) {
    root = Element{};
    XML_Parser p = XML_ParserCreate(nullptr);
    Builder b{p, &root, {}};
    XML_SetUserData(p, &b);
    XML_SetElementHandler(p, &Builder::on_start, &Builder::on_end);
    XML_SetCharacterDataHandler(p, &Builder::on_text);
    const bool ok = XML_Parse(p, text.data(), static_cast<int>(text.size()), 1) != XML_STATUS_ERROR;
    if (!ok)
        err = {path, static_cast<int>(XML_GetCurrentLineNumber(p)),
               std::string("malformed XML: ") + XML_ErrorString(XML_GetErrorCode(p))};
    XML_ParserFree(p);
    if (ok && !b.have_root) {
        err = {path, 1, "malformed XML: no document element"};
        return false;
    }
    return ok;
}

bool read_xml_file(const std::string& path, Element& root, script::CompileError& err) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err = {path, 0, "cannot read the file"};
        return false;
    }
    std::ostringstream s;
    s << in.rdbuf();
    return parse_xml(s.str(), path, root, err);
}

}  // namespace sipstorm::sippxml
