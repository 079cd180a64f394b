#!/usr/bin/env python3
"""Lists every external command that the scripts (shell and Python) under tests/, bench/, tools/ and
.ci/ run and that tools/setup.sh does not install; exits 1 when there is one (2 when it cannot tell).

    tools/check_commands.py [--root DIR] [--list]

Why: a tool missing from setup.sh works on the machine where someone installed it by hand and fails
(or, worse, is skipped) everywhere else; CI runs this before the build so the next one is caught.

How:
  * Each script (*.sh, or a file whose first line is a sh/bash #!) is parsed by shfmt into its syntax
    tree: every simple command anywhere (functions, pipelines, $(...), case arms, trap and bash -c
    strings) is seen, heredoc bodies (Python, configs) are not mistaken for commands. A command word
    made of a variable is skipped (the project's binaries come in as "$SIPSTORM" and the like), except
    "${VAR:-name}", whose default is a command.
  * Python (*.py files, and the heredocs python3 reads: `python3 - <<EOF`): the program named first
    in subprocess.run / call / check_call / check_output / Popen, os.exec* / os.system, shutil.which.
  * Wrappers are looked through: timeout, env, nice, nohup, setsid, stdbuf, taskset, sudo, exec,
    command, `ip netns exec NS`. `command -v X`, `which X`, `type X`, `hash X` and the tests'
    `need X PACKAGE` (tests/need.sh) count X as used.
  * Not external: bash builtins and keywords, functions defined in any scanned script, paths (a word
    with a '/', i.e. the project's own scripts and build outputs) and the CMake executables.
  * Each command is resolved to the Debian package that ships it: `dpkg-query -S` on where it is
    installed here, else the table KNOWN below (a command neither installed nor in the table fails:
    add it to the table).
  * A package counts as installed by setup.sh when it is in setup.sh's PACKAGES, is a direct
    (non-alternative) Depends / Pre-Depends of one that is, or has Priority: required or Essential: yes.
    The last: Debian's minimal base system (debootstrap --variant=minbase, the debian:12 image) is
    made of the Essential and required packages (coreutils, bash, grep, sed, mawk, dpkg, apt, ...), so
    every machine that runs setup.sh has them.
  * A script may exempt commands it runs only by hand with a line
        # check_commands: manual CMD... (why)
    those are listed with --list, never required.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

# Commands that may not be installed on the machine running the check: their Debian package.
KNOWN = {
    "ccache": "ccache", "chromium": "chromium", "clang": "clang", "clang++": "clang",
    "clang-format": "clang-format", "cmake": "cmake", "ctest": "cmake", "curl": "curl",
    "ethtool": "ethtool", "gdb": "gdb", "git": "git", "ip": "iproute2", "jq": "jq",
    "kamailio": "kamailio", "ninja": "ninja-build", "node": "nodejs", "npm": "npm",
    "nstat": "iproute2", "perf": "linux-perf", "pgrep": "procps", "pkg-config": "pkg-config",
    "ps": "procps", "python3": "python3", "shfmt": "shfmt", "sipp": "sip-tester", "sipsak": "sipsak",
    "ss": "iproute2", "strace": "strace", "sysctl": "procps", "tc": "iproute2", "tcpdump": "tcpdump",
    "tshark": "tshark", "valgrind": "valgrind", "xxd": "xxd",
}

SCAN_DIRS = ("tests", "bench", "tools", ".ci")
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Python starting a program: its name is the first string (of the argument list).
PY_CALL = re.compile(r"\b(?:subprocess\.(?:run|call|check_call|check_output|Popen)|os\.exec\w*|os\.system|"
                     r"shutil\.which)\(\s*\[?\s*[\"']([A-Za-z0-9_][A-Za-z0-9_.+-]*)")
# shfmt 3.6's codes for the ${VAR-word} and ${VAR:-word} expansions.
DEFAULT_OPS = (70, 71)


def die(msg):
    print(f"check_commands: {msg}", file=sys.stderr)
    sys.exit(2)


def bash_words(kind):
    out = subprocess.run(["bash", "-c", f"compgen -{kind}"], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def scripts(root):
    for top in SCAN_DIRS:
        for dirpath, dirnames, files in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", "corpus", "vendor")]
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                if f.endswith((".sh", ".py")):
                    yield path
                    continue
                try:
                    with open(path, "rb") as fh:
                        first = fh.readline(200)
                except OSError:
                    continue
                if re.match(rb"#!.*\b(ba)?sh\b", first):
                    yield path


def parse(source, origin):
    try:
        out = subprocess.run(["shfmt", "--to-json", "-ln", "bash"], input=source, capture_output=True,
                             text=True, timeout=30)
    except FileNotFoundError:
        die("shfmt is not installed: apt-get install shfmt (tools/setup.sh installs it)")
    if out.returncode != 0:
        die(f"{origin}: shfmt cannot parse it: {out.stderr.strip()}")
    return json.loads(out.stdout)


def literal(word):
    """The word's text when it is made of literals and quotes only, else None."""
    text = []
    for p in word.get("Parts", []):
        t = p.get("Type")
        if t in ("Lit", "SglQuoted"):
            text.append(p.get("Value", ""))
        elif t == "DblQuoted":
            inner = literal(p)
            if inner is None:
                return None
            text.append(inner)
        else:
            return None
    return "".join(text)


def default_of(word):
    """For "${VAR:-name}" (alone, quoted or not): name."""
    parts = word.get("Parts", [])
    if len(parts) == 1 and parts[0].get("Type") == "DblQuoted":
        parts = parts[0].get("Parts", [])
    if len(parts) == 1 and parts[0].get("Type") == "ParamExp":
        exp = parts[0].get("Exp") or {}
        if exp.get("Op") in DEFAULT_OPS and exp.get("Word"):
            return literal(exp["Word"])
    return None


class Scan:
    def __init__(self):
        self.uses = {}       # command -> [(file, line)]
        self.declared = {}   # command -> {package named by `need`}
        self.functions = set()
        self.manual = {}     # command -> [file]

    def use(self, name, where):
        if name:
            self.uses.setdefault(name, []).append(where)

    def file(self, path, rel):
        with open(path, encoding="utf-8", errors="replace") as f:
            source = f.read()
        for m in re.finditer(r"^\s*#\s*check_commands:\s*manual\s+([^(\n]*)", source, re.M):
            for cmd in m.group(1).split():
                self.manual.setdefault(cmd, []).append(rel)
        if path.endswith(".py"):
            self.python(source, rel, 0)
        else:
            self.tree(parse(source, rel), rel, 0)

    def python(self, source, rel, line_base):
        for m in PY_CALL.finditer(source):
            self.use(m.group(1), (rel, line_base + source.count("\n", 0, m.start()) + 1))

    def tree(self, node, rel, line_base):
        if isinstance(node, list):
            for n in node:
                self.tree(n, rel, line_base)
            return
        if not isinstance(node, dict):
            return
        t = node.get("Type")
        if t == "FuncDecl":
            self.functions.add(node.get("Name", {}).get("Value", ""))
        elif t == "CallExpr" and node.get("Args"):
            line = line_base + node.get("Pos", {}).get("Line", 0)
            self.call(node["Args"], (rel, line), rel, line - 1)
        cmd = node.get("Cmd") or {}
        if cmd.get("Type") == "CallExpr" and cmd.get("Args") and node.get("Redirs"):
            if (literal(cmd["Args"][0]) or "").startswith("python"):  # python3 - <<EOF ... EOF
                for r in node["Redirs"]:
                    body = literal(r["Hdoc"]) if isinstance(r.get("Hdoc"), dict) else None
                    if body:
                        self.python(body, rel, line_base + r["Hdoc"].get("Pos", {}).get("Line", 1) - 1)
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                self.tree(v, rel, line_base)

    def inline(self, word, rel, line_base):
        """A string argument that is shell code (trap, bash -c): its commands too."""
        text = literal(word)
        if text:
            self.tree(parse(text, rel), rel, line_base)

    def call(self, args, where, rel, line_base):
        words = [literal(a) for a in args]
        i = 0
        while i < len(words):
            name = words[i]
            if name is None:
                self.use(default_of(args[i]), where)
                return
            self.use(name, where)
            rest = words[i + 1:]
            if name in ("command", "type", "hash", "which") and rest and (name != "command" or
                                                                        rest[0] in ("-v", "-V")):
                for w in rest:
                    if w and not w.startswith("-"):
                        self.use(w, where)
                return
            if name == "need" and len(rest) >= 2:
                self.use(rest[0], where)
                if rest[0] and rest[1]:
                    self.declared.setdefault(rest[0], set()).add(rest[1])
                return
            if name == "trap" and rest:
                self.inline(args[i + 1], rel, line_base)
                return
            if name in ("bash", "sh") and len(rest) >= 2 and rest[0] == "-c":
                self.inline(args[i + 2], rel, line_base)
                return
            nxt = wrapped(name, words, i + 1)
            if nxt is None:
                return
            i = nxt


def wrapped(name, words, i):
    """Index of the command a wrapper runs, or None when `name` runs no command of its own."""
    def skip_opts(i, with_arg=()):
        while i < len(words) and words[i] and words[i].startswith("-"):
            if words[i] == "--":
                return i + 1
            i += 2 if words[i] in with_arg else 1
        return i

    if name == "timeout":
        i = skip_opts(i, ("-s", "--signal", "-k", "--kill-after")) + 1  # then the duration
    elif name == "ip":
        if words[i:i + 2] != ["netns", "exec"]:
            return None
        i += 3
    elif name == "env":
        i = skip_opts(i, ("-u", "--unset", "-C", "--chdir"))
        while i < len(words) and words[i] and "=" in words[i]:
            i += 1
    elif name == "nice":
        i = skip_opts(i, ("-n", "--adjustment"))
    elif name in ("nohup", "setsid"):
        i = skip_opts(i)
    elif name == "stdbuf":
        i = skip_opts(i, ("-i", "-o", "-e"))
    elif name == "taskset":
        j = skip_opts(i, ("-c", "--cpu-list"))
        i = j if any(w in ("-c", "--cpu-list") for w in words[i:j] if w) else j + 1
    elif name == "sudo":
        i = skip_opts(i, ("-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t"))
    elif name == "exec":
        i = skip_opts(i, ("-a",))
    elif name == "command":
        i = skip_opts(i)
    else:
        return None
    return i if i < len(words) else None


def setup_packages(root):
    path = os.path.join(root, "tools", "setup.sh")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        die(f"cannot read {path}")
    m = re.search(r"^PACKAGES=\((.*?)^\)", text, re.S | re.M)
    if not m:
        die(f"{path}: no PACKAGES=( ... ) list")
    body = re.sub(r"#.*", "", m.group(1))
    return set(body.split())


def cmake_executables(root):
    names = set()
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "build"))]
        if "CMakeLists.txt" in files:
            text = open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8").read()
            names.update(re.findall(r"add_executable\(\s*([A-Za-z0-9_.+-]+)", text))
    return names


def owners(paths):
    """path -> package, from the dpkg database (one dpkg-query for all)."""
    if not paths:
        return {}
    out = subprocess.run(["dpkg-query", "-S", *sorted(paths)], capture_output=True, text=True)
    found = {}
    for line in out.stdout.splitlines():
        if line.startswith("diversion ") or ": " not in line:
            continue
        pkgs, path = line.rsplit(": ", 1)
        found[path] = pkgs.split(",")[0].strip().split(":")[0]
    return found


def candidates(path):
    """Where dpkg may have recorded a file: as found, under merged /usr, and the symlink's target."""
    base = os.path.basename(path)
    out = [path]
    for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        if os.path.dirname(path) in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            out.append(os.path.join(d, base))
    real = os.path.realpath(path)
    if real != path:
        out.append(real)
    return out


def package_info(packages):
    """package -> (Priority, Essential, [direct dependencies]), for the packages dpkg or apt knows."""
    info = {}
    fmt = "${Package}\t${db:Status-Abbrev}\t${Priority}\t${Essential}\t${Pre-Depends}, ${Depends}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt, *sorted(packages)], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        name, status, prio, ess, deps = (line.split("\t") + [""] * 5)[:5]
        if status.startswith("ii"):
            info[name] = (prio, ess, deps)
    for p in sorted(set(packages) - set(info)):
        out = subprocess.run(["apt-cache", "show", "--no-all-versions", p], capture_output=True, text=True)
        fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", out.stdout, re.M))
        if fields:
            info[p] = (fields.get("Priority", ""), fields.get("Essential", ""),
                       fields.get("Pre-Depends", "") + ", " + fields.get("Depends", ""))

    def direct(deps):
        names = []
        for d in deps.split(","):
            d = d.strip()
            if d and "|" not in d:
                names.append(re.split(r"[\s(:]", d)[0])
        return names

    return {p: (prio, ess, direct(deps)) for p, (prio, ess, deps) in info.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--list", action="store_true", help="print every command found and its package")
    args = ap.parse_args()
    root = os.path.abspath(args.root)

    scan = Scan()
    for path in scripts(root):
        scan.file(path, os.path.relpath(path, root))
    not_external = bash_words("b") | bash_words("k") | scan.functions | cmake_executables(root)
    commands = {c: w for c, w in scan.uses.items()
                if c not in not_external and "/" not in c and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*", c)}

    paths = {}
    for c in commands:
        found = shutil.which(c, path=SEARCH_PATH)
        if found:
            paths[c] = found
    dpkg = owners({p for f in paths.values() for p in candidates(f)})
    package, how = {}, {}
    for c in commands:
        owner = next((dpkg[p] for p in candidates(paths[c]) if p in dpkg), None) if c in paths else None
        if owner:
            package[c], how[c] = owner, f"{paths[c]}"
        elif c in KNOWN:
            package[c], how[c] = KNOWN[c], "not installed here; package from the table" if c not in paths \
                else f"{paths[c]} is in no package; package from the table"
        else:
            package[c], how[c] = None, (f"{paths[c]} is in no Debian package" if c in paths
                                       else "not installed here and not in the table KNOWN")

    listed = setup_packages(root)
    named = {p for ps in scan.declared.values() for p in ps}
    info = package_info(set(package.values()) - {None} | listed | named)
    deps_of_listed = {d for p in listed for d in info.get(p, ("", "", []))[2]}

    def covered(pkg):
        if pkg is None:
            return False, "unknown package"
        if pkg in listed:
            return True, "in PACKAGES"
        if pkg in deps_of_listed:
            return True, "a dependency of a package in PACKAGES"
        prio, ess, _ = info.get(pkg, ("", "", []))
        if prio == "required" or ess == "yes":
            return True, f"base system ({'Essential' if ess == 'yes' else 'Priority required'})"
        return False, "not in PACKAGES"

    problems = []
    rows = []
    for c in sorted(commands):
        ok, why = covered(package[c])
        manual = c in scan.manual and all(f in scan.manual[c] for f, _ in commands[c])
        for declared in sorted(scan.declared.get(c, ())):
            # python3 is in python3-minimal, a dependency of python3: naming the package that pulls
            # it in is right.
            if package[c] and package[c] != declared and package[c] not in info.get(declared, ("", "", []))[2]:
                problems.append(f"{c}: `need {c} {declared}` names {declared}, but {c} comes from {package[c]}")
            elif declared not in listed:
                ok = False
        where = ", ".join(f"{f}:{n}" for f, n in sorted(set(commands[c]))[:4])
        more = len(set(commands[c])) - 4
        where += f" and {more} more" if more > 0 else ""
        rows.append(f"  {c:16} {package[c] or '?':18} {'manual' if manual else why:40} {where}")
        if not ok and not manual:
            problems.append(f"{c} (package {package[c] or '?'}: {how[c]}; {why}), used in {where}")

    if args.list:
        print(f"{len(commands)} external commands in {', '.join(SCAN_DIRS)}:")
        print("\n".join(rows))
    if problems:
        print(f"check_commands: {len(problems)} command(s) used by the scripts under {', '.join(SCAN_DIRS)} "
              "that tools/setup.sh does not install (add the package to its PACKAGES):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"check_commands: all {len(commands)} external commands come from packages tools/setup.sh installs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
