// sipstorm import FILE.xml [-o FILE.lua]: a SIPp XML scenario written as the equivalent Lua scenario.
#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "commands.hpp"
#include "data/injection_set.hpp"
#include "sippxml/compiler.hpp"
#include "sippxml/lua_writer.hpp"

namespace sipstorm::cli {
namespace {

constexpr const char* kImportHelp =
    R"(Usage: sipstorm import SCENARIO.xml [-o SCENARIO.lua] [--set NAME=VALUE] [--inf FILE] [--auth U:P]

Writes the Lua scenario equivalent to a SIPp XML scenario: it compiles into the same step program
(so 'sipstorm run SCENARIO.lua' behaves as 'sipstorm run SCENARIO.xml'), with SIPp's [keywords] as
${slots}, its actions on variables as hooks on call.vars, and comments where the translation is not
one to one. The XML must compile first (same errors as 'sipstorm run', with file:line).

  -o, --out FILE   write here ('-' for standard output, the default)
  --set NAME=VALUE a keyword the scenario uses ([domain], SIPp's -key): its default in the Lua
  --inf FILE       the injection file its [fieldN] read (checked, not copied: pass --inf to run)
  --auth USER:PW   credentials for a bare [authentication] (checked, not written)

Exit status: 0 written, 2 usage error, an XML error, or a construct without a Lua form yet.
)";

}  // namespace

int cmd_import(const Args& args) {
    std::string input, output = "-";
    std::map<std::string, std::string> params;
    script::CompileOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kImportHelp);
            return 0;
        }
        if (a == "-o" || a == "--out") {
            if (i + 1 == args.size()) throw UsageError(a + " needs a FILE (see 'sipstorm import --help')");
            output = args[++i];
        } else if (a == "--set" || a == "--inf" || a == "--auth") {
            if (i + 1 == args.size()) throw UsageError(a + " needs a value (see 'sipstorm import --help')");
            const std::string& v = args[++i];
            if (a == "--set") {
                const size_t eq = v.find('=');
                if (eq == std::string::npos || eq == 0)
                    throw UsageError("--set expects NAME=VALUE, got '" + v + "'");
                params[v.substr(0, eq)] = v.substr(eq + 1);
            } else if (a == "--inf") {
                auto set = options.injection ? std::const_pointer_cast<data::InjectionSet>(options.injection)
                                             : std::make_shared<data::InjectionSet>();
                std::string why;
                if (!set->add(v, why)) throw UsageError("--inf " + why);
                options.injection = set;
            } else {
                const size_t colon = v.find(':');
                if (colon == 0 || colon == std::string::npos)
                    throw UsageError("--auth expects USER:PASSWORD");
                options.has_auth = true;
                options.auth_user = v.substr(0, colon);
                options.auth_password = v.substr(colon + 1);
            }
        } else if (a.size() > 1 && a[0] == '-') {
            throw UsageError("unknown option '" + a + "' (see 'sipstorm import --help')");
        } else if (input.empty()) {
            input = a;
        } else {
            throw UsageError("one SCENARIO.xml at a time (see 'sipstorm import --help')");
        }
    }
    if (input.empty()) throw UsageError("missing SCENARIO.xml (see 'sipstorm import --help')");
    ua::Program program;
    script::CompileError err;
    sippxml::XmlCompileResult compiled;
    if (!sippxml::compile_sipp_xml(input, params, options, program, err, &compiled))
        throw UsageError(script::to_string(err));
    std::string lua, why;
    if (!sippxml::write_lua(program, compiled, lua, why)) throw UsageError(why);
    if (output == "-") {
        fmt::print("{}", lua);
        return 0;
    }
    std::ofstream out(output, std::ios::binary);
    out << lua;
    if (!out) throw UsageError("cannot write " + output);
    return 0;
}

}  // namespace sipstorm::cli
