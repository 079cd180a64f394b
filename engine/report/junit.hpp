// A run's verdict as JUnit XML (`--junit report.xml`), for CI servers (Jenkins, GitLab, GitHub
// actions that read JUnit).
//
// <testsuites> holding one <testsuite name="sipstorm"> with the run's scenario, target, command line,
// achieved rate and saturation as <properties>, and:
//  - with gates: one <testcase classname="sipstorm.gates" name="GATE TEXT"> per gate, with a
//    <failure> carrying the explanation when the gate fails. The gates are then the whole verdict,
//    as for the exit code: failed calls fail the report only if a gate says so.
//  - without gates: one <testcase classname="sipstorm.run" name="calls"> that fails when any call
//    failed (the failure lists the reasons), matching exit code 1.
// A saturated generator is reported in <system-out>: it doesn't fail the suite, but nobody should
// read the figures without knowing it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "report/gate.hpp"

namespace sipstorm::report {

std::string junit_xml(const nlohmann::json& result, const std::vector<GateResult>& gates);

}  // namespace sipstorm::report
