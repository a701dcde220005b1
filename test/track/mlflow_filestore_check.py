"""Reads a folder the way MLflow's FileStore and model-registry FileStore do (rules from
../shared/docs/mlflow-filestore-layout.md) and fails loudly on anything MLflow would reject.
Prints a JSON summary of what it read. Usage: python3 mlflow_filestore_check.py DIR"""
import json, os, posixpath, re, sys
import yaml

ROOT = sys.argv[1]
KEY = re.compile(r"^[/\w.\- :]*$")
EXP_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,63}$")
RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
RESERVED = {"tags", "datasets", "traces", "models"}

def fail(msg):
    raise SystemExit(f"MLflow would reject: {msg}")

def read_yaml(path):
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=yaml.SafeLoader)
    if data is None:
        fail(f"{path} is empty")
    return data

def check_key(name, where):
    if not KEY.match(name) or posixpath.normpath(name) != name or name == "." or name.startswith("..") or name.startswith("/"):
        fail(f"bad key name {name!r} in {where}")

def key_files(folder):
    out = {}
    for dirpath, _, files in os.walk(folder):
        for fn in files:
            full = os.path.join(dirpath, fn)
            key = os.path.relpath(full, folder).replace(os.sep, "/")
            check_key(key, folder)
            with open(full, "rb") as f:
                out[key] = f.read().decode("utf-8")  # undecodable bytes raise, as in MLflow
    return out

summary = {"experiments": {}, "models": {}}
for exp_id in sorted(os.listdir(ROOT)):
    exp_dir = os.path.join(ROOT, exp_id)
    if not os.path.isdir(exp_dir) or exp_id.endswith(".trash") or exp_id == "models":
        continue
    if not EXP_ID.match(exp_id):
        fail(f"experiment folder name {exp_id!r}")
    meta = read_yaml(os.path.join(exp_dir, "meta.yaml"))
    for k in ("artifact_location", "experiment_id", "lifecycle_stage", "name"):
        if k not in meta:
            fail(f"experiment {exp_id} meta.yaml lacks {k}")
    if not isinstance(meta["experiment_id"], str) or meta["experiment_id"] != exp_id:
        fail(f"experiment_id {meta['experiment_id']!r} != folder {exp_id}")
    if meta["lifecycle_stage"] not in ("active", "deleted"):
        fail("lifecycle_stage")
    if not (meta.get("creation_time") is None or isinstance(meta["creation_time"], int)):
        fail("creation_time type")
    runs = {}
    for run_id in sorted(os.listdir(exp_dir)):
        run_dir = os.path.join(exp_dir, run_id)
        if not os.path.isdir(run_dir) or run_id in RESERVED:
            continue
        if not RUN_ID.match(run_id):
            fail(f"run folder {run_id!r}")
        for sub in ("metrics", "params", "artifacts"):
            if not os.path.isdir(os.path.join(run_dir, sub)):
                fail(f"run {run_id} lacks {sub}/ (MLflow >= 3.8 cannot get_run it)")
        rm = read_yaml(os.path.join(run_dir, "meta.yaml"))
        for k in ("run_id", "run_uuid", "experiment_id", "user_id", "start_time", "end_time", "status", "lifecycle_stage"):
            if k not in rm:
                fail(f"run {run_id} meta.yaml lacks {k}")
        if rm["run_id"] != run_id or rm["run_uuid"] != run_id or not isinstance(rm["run_id"], str):
            fail(f"run_id {rm['run_id']!r} != folder")
        if rm["experiment_id"] != exp_id or not isinstance(rm["experiment_id"], str):
            fail("run experiment_id")
        if not isinstance(rm["status"], int) or rm["status"] not in (1, 2, 3, 4, 5):
            fail(f"status {rm['status']!r}")
        if not isinstance(rm["start_time"], int) or not (rm["end_time"] is None or isinstance(rm["end_time"], int)):
            fail("times must be int ms")
        if not isinstance(rm["user_id"], str):
            fail("user_id")
        metrics = {}
        for key, text in key_files(os.path.join(run_dir, "metrics")).items():
            if text == "":
                fail(f"metric {key} file empty")
            hist = []
            for line in text.splitlines():
                parts = line.strip().split(" ")
                if len(parts) not in (2, 3, 5):
                    fail(f"metric line {line!r}")
                hist.append([int(parts[0]), float(parts[1]), int(parts[2]) if len(parts) == 3 else 0])
            if not text.endswith("\n"):
                fail(f"metric {key} last line has no newline")
            latest = max(hist, key=lambda h: (h[2], h[0], h[1]))
            metrics[key] = {"history": len(hist), "latest": latest[1] if latest[1] == latest[1] else "nan", "step": latest[2]}
        params = key_files(os.path.join(run_dir, "params"))
        tags = key_files(os.path.join(run_dir, "tags")) if os.path.isdir(os.path.join(run_dir, "tags")) else {}
        artifacts = sorted(os.path.relpath(os.path.join(d, f), os.path.join(run_dir, "artifacts"))
                           for d, _, fs in os.walk(os.path.join(run_dir, "artifacts")) for f in fs)
        runs[run_id] = {"status": rm["status"], "name": rm.get("run_name") or tags.get("mlflow.runName"),
                        "metrics": metrics, "params": params, "tags": tags, "artifacts": artifacts}
    summary["experiments"][exp_id] = {"name": meta["name"], "runs": runs}

models_dir = os.path.join(ROOT, "models")
for name in sorted(os.listdir(models_dir)) if os.path.isdir(models_dir) else []:
    mdir = os.path.join(models_dir, name)
    meta = read_yaml(os.path.join(mdir, "meta.yaml"))
    if meta.get("name") != name:
        fail(f"registered model name {meta.get('name')!r} != folder {name}")
    for k in ("creation_timestamp", "last_updated_timestamp"):
        if not isinstance(meta.get(k), int):
            fail(f"registered model {k}")
    aliases = key_files(os.path.join(mdir, "aliases")) if os.path.isdir(os.path.join(mdir, "aliases")) else {}
    versions = {}
    for vdir in sorted(os.listdir(mdir)):
        if not vdir.startswith("version-"):
            continue
        vm = read_yaml(os.path.join(mdir, vdir, "meta.yaml"))
        for k in ("creation_timestamp", "name", "version", "source", "current_stage", "status"):
            if k not in vm:
                fail(f"{name}/{vdir} lacks {k}")
        if not isinstance(vm["version"], int) or f"version-{vm['version']}" != vdir:
            fail(f"{name}/{vdir} version {vm['version']!r}")
        if vm["status"] not in ("READY", "PENDING_REGISTRATION", "FAILED_REGISTRATION"):
            fail("version status")
        if vm["current_stage"] not in ("None", "Staging", "Production", "Archived", "Deleted_Internal"):
            fail(f"current_stage {vm['current_stage']!r}")
        loc = vm.get("storage_location") or vm["source"]
        if loc.startswith("file://") and not os.path.isfile(loc[len("file://"):]):
            fail(f"{name}/{vdir} storage {loc} does not exist")
        versions[vm["version"]] = {"run_id": vm.get("run_id"), "stage": vm["current_stage"],
                                   "tags": key_files(os.path.join(mdir, vdir, "tags")) if os.path.isdir(os.path.join(mdir, vdir, "tags")) else {}}
    for alias, v in aliases.items():
        if not v.isdigit() or int(v) not in versions:
            fail(f"alias {alias} -> {v!r}")
    summary["models"][name] = {"aliases": aliases, "versions": versions}

print(json.dumps(summary, sort_keys=True))
