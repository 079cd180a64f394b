#!/usr/bin/env python3
"""Generates the man page and the bash completion of sipstorm from its own --help texts, so that
neither can drift from the options the binary really has.

    help_docs.py SIPSTORM --man OUT.1.gz --completion OUT.bash
"""
import argparse
import datetime
import gzip
import re
import subprocess

COMMANDS = ["run", "serve", "merge", "compare", "report", "lint", "bench", "scenarios"]
# Options whose argument is a file (completed with file names).
FILE_OPTIONS = {"--out", "-o", "--pcap", "--csv", "--junit", "--inf", "--uas", "--inf-names"}


def help_text(binary, *args):
    return subprocess.run([binary, *args, "--help"], check=True, capture_output=True, text=True).stdout


def parse(text):
    """(description lines, [(option names, argument, description)]) of one --help text."""
    description, options = [], []
    in_options = False
    for line in text.splitlines():
        m = re.match(r"^ {1,4}(-[^ ].*?)(?: {2,}(\S.*))?$", line)
        if m and (in_options or re.match(r"^ {1,4}--?[A-Za-z]", line)):
            in_options = True
            spec, desc = m.group(1), m.group(2) or ""
            names = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", spec)
            arg = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*,?", "", spec).strip()
            options.append([names, arg, desc])
        elif in_options and line.startswith("        ") and options:
            options[-1][2] = re.sub(r"\s+", " ", options[-1][2] + " " + line.strip()).strip()
        elif line.strip() == "Options:":
            in_options = True
        elif not in_options or not line.strip():
            if not in_options:
                description.append(line)
        else:
            description.append(line)
    return description, options


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def man_page(binary):
    version = subprocess.run([binary, "version"], check=True, capture_output=True, text=True).stdout.split()[-1]
    top = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout.splitlines()
    date = datetime.date.today().strftime("%Y-%m-%d")
    out = [f'.TH SIPSTORM 1 "{date}" "sipstorm {version}" "User Commands"', ".SH NAME",
           "sipstorm \\- " + roff(top[0].split(" - ", 1)[1]), ".SH SYNOPSIS", ".nf"]
    out += [roff(line.strip()) for line in top if line.startswith("  sipstorm")]
    out += [".fi", ".SH DESCRIPTION",
            "sipstorm generates SIP load from Lua scenarios, measures response times against the intended "
            "send times, tells when the generator itself was the bottleneck, and judges results with gates. "
            "Each command below has its own options; \\fBsipstorm\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints them.",
            ".SH COMMANDS"]
    for cmd in COMMANDS:
        args = ["bench", "parse"] if cmd == "bench" else [cmd]
        description, options = parse(help_text(binary, *args[:1]))
        out.append(f'.SS "sipstorm {cmd}"')
        out.append(".nf")
        out += [roff(line) for line in description if line.strip() or out[-1] != ""]
        out.append(".fi")
        for names, arg, desc in options:
            head = ", ".join(f"\\fB{roff(n)}\\fR" for n in names)
            if arg:
                head += f" \\fI{roff(arg)}\\fR"
            out += [".TP", head, roff(desc)]
    out += [".SH FILES", "\\fI/usr/share/sipstorm/scenarios/\\fR: the ready scenarios (a bare \\fINAME\\fR.lua "
            "on run and serve finds them from any directory; \\fBsipstorm scenarios\\fR lists them).",
            ".br", "\\fI/usr/share/sipstorm/lua/\\fR: the Lua modules scenarios \\fBrequire\\fR.",
            ".SH ENVIRONMENT", ".TP", "\\fBSIPSTORM_DATA_DIR\\fR",
            "where the scenarios and Lua modules are, instead of the installed ones.", ".TP",
            "\\fBJOB_COMPLETION_INDEX\\fR", "the shard index for \\fBrun \\-\\-shards\\-total\\fR \\fIN\\fR.",
            ".SH EXIT STATUS", "0 all good, 1 some call failed, 2 a usage, input or scenario error, 3 "
            "\\fBcompare\\fR found a regression, 4 a \\fB\\-\\-gate\\fR failed.",
            ".SH SEE ALSO", "sipp(1), promtool(1)"]
    return "\n".join(out) + "\n"


def completion(binary):
    cases = []
    for cmd in COMMANDS:
        args = ["bench", "parse"] if cmd == "bench" else [cmd]
        _, options = parse(help_text(binary, *args[:1]))
        names = sorted({n for o in options for n in o[0] if n.startswith("--")})
        if cmd == "scenarios":
            names = ["--names", "--help"]
        cases.append(f'        {cmd}) opts="{" ".join(names)}" ;;')
    file_opts = "|".join(sorted(FILE_OPTIONS))
    return f"""# bash completion for sipstorm (generated from its --help texts by tools/docs/help_docs.py)
_sipstorm() {{
    local cur prev cmd opts
    cur=${{COMP_WORDS[COMP_CWORD]}}
    prev=${{COMP_WORDS[COMP_CWORD-1]}}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{' '.join(COMMANDS)} version help" -- "$cur"))
        return
    fi
    cmd=${{COMP_WORDS[1]}}
    case "$cmd" in
{chr(10).join(cases)}
        *) opts="--help" ;;
    esac
    case "$prev" in
        {file_opts})
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --engine) COMPREPLY=($(compgen -W "kernel dpdk" -- "$cur")); return ;;
        --arrivals) COMPREPLY=($(compgen -W "uniform poisson" -- "$cur")); return ;;
        --prefer) COMPREPLY=($(compgen -W "ipv4 ipv6" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case "$cmd" in
        run|serve)
            # The installed scenarios by name, and .lua files here.
            COMPREPLY=($(compgen -W "$(sipstorm scenarios --names 2>/dev/null)" -- "$cur")
                       $(compgen -f -X '!*.lua' -- "$cur") $(compgen -d -- "$cur"))
            ;;
        *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}}
complete -F _sipstorm sipstorm
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--man")
    ap.add_argument("--completion")
    a = ap.parse_args()
    if a.man:
        data = man_page(a.binary).encode()
        with open(a.man, "wb") as f:
            # mtime 0: the same page for the same texts (reproducible packages)
            f.write(gzip.compress(data, 9, mtime=0) if a.man.endswith(".gz") else data)
    if a.completion:
        with open(a.completion, "w") as f:
            f.write(completion(a.binary))


if __name__ == "__main__":
    main()
