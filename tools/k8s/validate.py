#!/usr/bin/env python3
"""Offline validation of the Kubernetes manifests in tools/k8s (no cluster, no network).

Checks, for every *.yaml here:
  - it parses (python3-yaml) into objects with apiVersion, kind and metadata.name;
  - every field exists in the Kubernetes object schema for its kind, with the right type (the subset of
    the v1 / batch/v1 API these manifests use, transcribed below from the API reference: a typo such as
    `completionMod` or a field at the wrong level is an error);
  - the load Job is an Indexed Job with parallelism = completions = the N of `--shard-of .../N`, whose
    shard index reaches the command line: JOB_COMPLETION_INDEX comes from the completion-index
    annotation, `--shard-of=$(JOB_COMPLETION_INDEX)/N` and the result file name use it, and Kubernetes'
    $(VAR) expansion can resolve every variable the args name (declared in env before use);
  - the volumes the containers mount exist, the ConfigMap the Job mounts holds the files the command
    reads, and the merge Job reads the directory the shards write.

    validate.py [DIR] [--print-args I]   (--print-args: the load pod's command line for index I, expanded)
"""
import glob
import os
import re
import sys

try:
    import yaml
except ImportError:
    sys.exit("FAIL: python3-yaml is not installed: apt-get install python3-yaml (tools/setup.sh installs it)")

# Types: "str", "int", "bool", "quantity" (str or int), "intorstr", "any" (free-form map), a dict
# (an object with those fields), or a one-element list (an array of that).
STR, INT, BOOL, QTY, ANY = "str", "int", "bool", "quantity", "any"
MAP_STR = {"*": STR}  # a map of string to string (labels, annotations, ConfigMap data)

OBJECT_META = {"name": STR, "namespace": STR, "labels": MAP_STR, "annotations": MAP_STR, "generateName": STR}
LABEL_SELECTOR = {"matchLabels": MAP_STR, "matchExpressions": [{"key": STR, "operator": STR, "values": [STR]}]}
ENV_VAR = {
    "name": STR,
    "value": STR,
    "valueFrom": {
        "fieldRef": {"fieldPath": STR, "apiVersion": STR},
        "configMapKeyRef": {"name": STR, "key": STR, "optional": BOOL},
        "secretKeyRef": {"name": STR, "key": STR, "optional": BOOL},
        "resourceFieldRef": {"resource": STR, "containerName": STR, "divisor": QTY},
    },
}
CONTAINER = {
    "name": STR, "image": STR, "imagePullPolicy": STR, "command": [STR], "args": [STR], "workingDir": STR,
    "env": [ENV_VAR],
    "ports": [{"name": STR, "containerPort": INT, "protocol": STR, "hostPort": INT}],
    "resources": {"requests": {"*": QTY}, "limits": {"*": QTY}},
    "volumeMounts": [{"name": STR, "mountPath": STR, "readOnly": BOOL, "subPath": STR}],
    "securityContext": {"capabilities": {"add": [STR], "drop": [STR]}, "privileged": BOOL,
                        "runAsUser": INT, "runAsNonRoot": BOOL, "readOnlyRootFilesystem": BOOL},
}
POD_AFFINITY_TERM = {"topologyKey": STR, "labelSelector": LABEL_SELECTOR, "namespaces": [STR]}
POD_SPEC = {
    "restartPolicy": STR, "containers": [CONTAINER], "initContainers": [CONTAINER], "nodeSelector": MAP_STR,
    "serviceAccountName": STR, "hostNetwork": BOOL, "terminationGracePeriodSeconds": INT,
    "affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [POD_AFFINITY_TERM],
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": INT, "podAffinityTerm": POD_AFFINITY_TERM}]}},
    "tolerations": [{"key": STR, "operator": STR, "value": STR, "effect": STR}],
    "volumes": [{
        "name": STR,
        "configMap": {"name": STR, "items": [{"key": STR, "path": STR}], "defaultMode": INT, "optional": BOOL},
        "persistentVolumeClaim": {"claimName": STR, "readOnly": BOOL},
        "emptyDir": {"medium": STR, "sizeLimit": QTY},
    }],
}
JOB_SPEC = {
    "completionMode": STR, "completions": INT, "parallelism": INT, "backoffLimit": INT,
    "backoffLimitPerIndex": INT, "activeDeadlineSeconds": INT, "ttlSecondsAfterFinished": INT,
    "template": {"metadata": OBJECT_META, "spec": POD_SPEC},
}
KINDS = {
    ("batch/v1", "Job"): {"apiVersion": STR, "kind": STR, "metadata": OBJECT_META, "spec": JOB_SPEC},
    ("v1", "ConfigMap"): {"apiVersion": STR, "kind": STR, "metadata": OBJECT_META, "data": MAP_STR},
    ("v1", "PersistentVolumeClaim"): {
        "apiVersion": STR, "kind": STR, "metadata": OBJECT_META,
        "spec": {"accessModes": [STR], "storageClassName": STR,
                 "resources": {"requests": {"storage": QTY}}, "volumeMode": STR}},
}
ENUMS = {
    "completionMode": {"NonIndexed", "Indexed"},
    "restartPolicy": {"Always", "OnFailure", "Never"},
    "imagePullPolicy": {"Always", "IfNotPresent", "Never"},
    "accessModes[]": {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"},
}
QUANTITY = re.compile(r"^[0-9.]+(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']"

errors = []


def check(value, schema, path):
    if schema == ANY:
        return
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for k, v in value.items():
            sub = schema.get(k, schema.get("*"))
            if sub is None:
                errors.append(f"{path}.{k}: no such field (known: {', '.join(sorted(schema))})")
                continue
            check(v, sub, f"{path}.{k}")
            enum = ENUMS.get(k)
            if enum and v not in enum:
                errors.append(f"{path}.{k}: {v!r} is not one of {sorted(enum)}")
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check(item, schema[0], f"{path}[{i}]")
            enum = ENUMS.get(path.rsplit(".", 1)[-1] + "[]")
            if enum and item not in enum:
                errors.append(f"{path}[{i}]: {item!r} is not one of {sorted(enum)}")
        return
    ok = {STR: isinstance(value, str), INT: isinstance(value, int) and not isinstance(value, bool),
          BOOL: isinstance(value, bool),
          QTY: isinstance(value, int) or (isinstance(value, str) and QUANTITY.match(value) is not None)}[schema]
    if not ok:
        errors.append(f"{path}: {value!r} is not a valid {schema}")


def expand(text, env):
    """Kubernetes' $(VAR) expansion in command/args: known variables are replaced, $$ escapes."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


def load_pod(job, index):
    """The load container's args with $(VAR) expanded as the kubelet would for completion index I."""
    c = job["spec"]["template"]["spec"]["containers"][0]
    env = {}
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = expand(e["value"], env)
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == INDEX_ANNOTATION:
            env[e["name"]] = str(index)
    return [expand(a, env) for a in c.get("command", []) + c.get("args", [])], env


def check_load_job(job, configmaps, where):
    spec = job["spec"]
    if spec.get("completionMode") != "Indexed":
        errors.append(f"{where}: the load Job must have completionMode: Indexed")
    n = spec.get("completions")
    if spec.get("parallelism") != n:
        errors.append(f"{where}: parallelism {spec.get('parallelism')} != completions {n}: all shards must run at once")
    pod = spec["template"]["spec"]
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        errors.append(f"{where}: a Job's pods need restartPolicy Never or OnFailure")
    c = pod["containers"][0]
    env_names = []
    for e in c.get("env", []):
        env_names.append(e["name"])
        if e["name"] == "JOB_COMPLETION_INDEX" and e.get("valueFrom", {}).get("fieldRef", {}).get(
                "fieldPath") != INDEX_ANNOTATION:
            errors.append(f"{where}: JOB_COMPLETION_INDEX must come from {INDEX_ANNOTATION}")
    if "JOB_COMPLETION_INDEX" not in env_names:
        errors.append(f"{where}: JOB_COMPLETION_INDEX is not declared in env, so $(JOB_COMPLETION_INDEX) "
                      "in args would stay literal")
    raw = c.get("command", []) + c.get("args", [])
    for a in raw:
        for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
            if var not in env_names:
                errors.append(f"{where}: args use $({var}), which env does not declare")
    shard_of = [a for a in raw if a.startswith("--shard-of")]
    if len(shard_of) != 1 or not re.fullmatch(r"--shard-of=\$\(JOB_COMPLETION_INDEX\)/(\d+)", shard_of[0]):
        errors.append(f"{where}: expected one --shard-of=$(JOB_COMPLETION_INDEX)/N in the args, got {shard_of}")
    else:
        total = int(shard_of[0].rsplit("/", 1)[1])
        if total != n:
            errors.append(f"{where}: --shard-of .../{total} but completions {n}")
    for i in {0, (n or 1) - 1}:
        args, _ = load_pod(job, i)
        if f"--shard-of={i}/{n}" not in args:
            errors.append(f"{where}: for index {i} the command line does not say --shard-of={i}/{n}: {args}")
        if not any(a.startswith("--out=") and f"-{i}.json" in a for a in args):
            errors.append(f"{where}: for index {i} the result file does not carry the index: {args}")
    if not args or args[0] != "run" or "command" in c:
        errors.append(f"{where}: the load pod must run the image's entrypoint (sipstorm) with args run ...: {args}")
    check_mounts(pod, configmaps, args, where)


def check_mounts(pod, configmaps, args, where):
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        for m in c.get("volumeMounts", []):
            v = volumes.get(m["name"])
            if v is None:
                errors.append(f"{where}: volumeMount {m['name']} has no volume")
                continue
            if "configMap" in v:
                cm = configmaps.get(v["configMap"]["name"])
                if cm is None:
                    errors.append(f"{where}: ConfigMap {v['configMap']['name']} is not among the manifests")
                    continue
                for a in args:
                    for path in re.findall(re.escape(m["mountPath"]) + r"/([\w.-]+)", a):
                        if path not in cm.get("data", {}):
                            errors.append(f"{where}: {m['mountPath']}/{path} is read but the ConfigMap has no {path}")


def main():
    argv = sys.argv[1:]
    print_index = None
    if "--print-args" in argv:
        i = argv.index("--print-args")
        print_index = int(argv[i + 1])
        del argv[i:i + 2]
    root = argv[0] if argv else os.path.dirname(os.path.abspath(__file__))
    objects = []
    for path in sorted(glob.glob(os.path.join(root, "*.yaml"))):
        try:
            docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
        except yaml.YAMLError as e:
            errors.append(f"{os.path.basename(path)}: does not parse: {e}")
            continue
        for d in docs:
            where = f"{os.path.basename(path)}: {d.get('kind', '?')}/{d.get('metadata', {}).get('name', '?')}"
            schema = KINDS.get((d.get("apiVersion"), d.get("kind")))
            if schema is None:
                errors.append(f"{where}: unknown apiVersion/kind {d.get('apiVersion')}/{d.get('kind')}")
                continue
            if not d.get("metadata", {}).get("name"):
                errors.append(f"{where}: no metadata.name")
            check(d, schema, where)
            objects.append((where, d))
    configmaps = {d["metadata"]["name"]: d for _, d in objects if d["kind"] == "ConfigMap"}
    claims = {d["metadata"]["name"] for _, d in objects if d["kind"] == "PersistentVolumeClaim"}
    jobs = [(w, d) for w, d in objects if d["kind"] == "Job"]
    load = [(w, d) for w, d in jobs if d["spec"].get("completionMode") == "Indexed"]
    if len(load) != 1:
        errors.append(f"expected one Indexed Job (the load), found {len(load)}")
    for where, job in load:
        check_load_job(job, configmaps, where)
        if print_index is not None:
            print(" ".join(load_pod(job, print_index)[0]))
    merge = [(w, d) for w, d in jobs if d["spec"].get("completionMode") != "Indexed"]
    if len(merge) != 1:
        errors.append(f"expected one merge Job, found {len(merge)}")
    for where, job in merge:
        text = " ".join(c2 for c in job["spec"]["template"]["spec"]["containers"]
                        for c2 in c.get("command", []) + c.get("args", []))
        if "sipstorm merge" not in text or "/results/shard-" not in text:
            errors.append(f"{where}: the merge Job does not run 'sipstorm merge /results/shard-*.json'")
    for where, job in jobs:
        for v in job["spec"]["template"]["spec"].get("volumes", []):
            if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in claims:
                errors.append(f"{where}: claim {v['persistentVolumeClaim']['claimName']} is not among the manifests")
    if errors:
        for e in errors:
            print("FAIL: " + e, file=sys.stderr)
        return 1
    if print_index is None:
        print(f"k8s manifests: {len(objects)} objects valid ({', '.join(sorted({d['kind'] for _, d in objects}))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
