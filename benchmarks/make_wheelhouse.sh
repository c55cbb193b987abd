#!/usr/bin/env bash
# Prepare the wheelhouse that benchmarks/device_check.sh installs from on an offline GPU node.
#
#   bash benchmarks/make_wheelhouse.sh [--dest .wheelhouse] [--all]
#
# Downloads (pip download, binary wheels only, one version each) diffusers and open_clip_torch and the
# closure of their requirements for the node's Python: CPython 3.12 on x86-64 manylinux. Never the torch
# stack (torch, torchvision, triton, nvidia-*): the node has the CUDA build it was set up with. Packages the
# node image already holds (NODE_HAS below, from the device machine's package list) are left out unless
# --all is given. The closure is computed here from each wheel's Requires-Dist (environment markers
# evaluated for Python 3.12 / Linux x86-64, extras ignored), because --no-deps downloads fetch no
# requirements. Fails when the folder is 64 MiB or more: it travels with the working tree, which is
# limited to 64 MiB in all.
#
# Environment: PYTHON (an interpreter with pip; default python3), PINS (top-level requirements).
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=.wheelhouse
ALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) DEST="$2"; shift 2 ;;
    --all) ALL=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "make_wheelhouse.sh: unknown argument $1 (use --dest DIR, --all)" >&2; exit 2 ;;
  esac
done

PY="${PYTHON:-python3}"
# The versions the test suite runs with (pyproject.toml asks for diffusers>=0.31, open_clip_torch>=2.24).
PINS="${PINS:-diffusers==0.42.1 open_clip_torch==3.3.0}"
# Never downloaded: the node's CUDA build of the torch stack.
NEVER="torch torchvision torchaudio triton xformers"
# Already in the node image (/work/.library/device/KINDS.md, "Python packages already there"), so not
# downloaded unless --all: the closure needs only what is missing there.
NODE_HAS="anyio certifi charset-normalizer click filelock fsspec h11 hf-xet httpcore httpx huggingface-hub idna
jinja2 markupsafe numpy packaging peft pillow psutil pyyaml regex requests rich safetensors scipy setuptools
shellingham sympy timm tokenizers tqdm transformers typer typing-extensions urllib3 zipp onnxruntime
opencv-python-headless pytest pytest-timeout"
[ "$ALL" = 1 ] && NODE_HAS=""

mkdir -p "$DEST"
"$PY" - "$DEST" "$PINS" "$NEVER" "$NODE_HAS" <<'PYEOF'
import re
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # pip always carries its own copy
    from pip._vendor.packaging.requirements import Requirement

dest, pins, never, node_has = Path(sys.argv[1]), sys.argv[2].split(), set(sys.argv[3].split()), set(sys.argv[4].split())
ENV = {"python_version": "3.12", "python_full_version": "3.12.3", "sys_platform": "linux",
       "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
       "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
PLATFORM = ["--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:", "--no-deps"]
for tag in ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux1_x86_64"):
    PLATFORM += ["--platform", tag]


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def skipped(name: str) -> str | None:
    n = norm(name)
    if n in never or n.startswith("nvidia-"):
        return "torch stack: the node's own CUDA build"
    if n in node_has:
        return "in the node image"
    return None


def wheel_of(name: str) -> Path | None:
    for path in dest.glob("*.whl"):
        if norm(path.name.split("-")[0]) == norm(name):
            return path
    return None


def download(spec: str) -> Path:
    name = Requirement(spec).name
    if wheel_of(name) is None:
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "-d", str(dest),
               *PLATFORM, spec]
        subprocess.run(cmd, check=True)
    path = wheel_of(name)
    if path is None:
        raise SystemExit(f"make_wheelhouse: pip download {spec} left no wheel in {dest}")
    return path


def requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode("utf-8", "replace").splitlines()
    reqs = []
    for line in lines:
        if not line.strip():
            break  # end of the headers
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or req.marker.evaluate(ENV):
                reqs.append(req)
    return reqs


queue, seen = list(pins), set()
while queue:
    spec = queue.pop(0)
    name = norm(Requirement(spec).name)
    if name in seen:
        continue
    seen.add(name)
    why = skipped(name)
    if why:
        print(f"  skip {spec}: {why}")
        continue
    wheel = download(spec)
    print(f"  have {wheel.name}")
    for req in requirements(wheel):
        if norm(req.name) not in seen:
            queue.append(str(req).split(";")[0].strip())
PYEOF

bytes=$(du -sb "$DEST" | cut -f1)
mib=$(( (bytes + 1048575) / 1048576 ))
count=$(ls "$DEST"/*.whl | wc -l)
echo "wheelhouse $DEST: $count wheels, $bytes bytes (~${mib} MiB)"
if [ "$bytes" -ge $((64 * 1048576)) ]; then
  echo "make_wheelhouse.sh: $DEST is ${mib} MiB; it must stay under 64 MiB (it travels with the working tree)" >&2
  exit 1
fi
