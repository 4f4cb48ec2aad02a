"""The run's own Ray cluster: it comes up, jobs join it, and nothing of it outlives the run, even a SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from kill_helpers import sigkill_and_expect_no_survivors

from vision_r1.orphans import MARKER_ENV, marked_processes
from vision_r1.ray_cluster import auth_env, ray_node
from vision_r1.verl_cpu import CPU_RANK_RESOURCE

pytestmark = pytest.mark.slow
REPO = str(Path(__file__).resolve().parents[2])

# A job on the cluster, as a GRPO stage's driver is: its worker gets the job's marker through the
# runtime env, and the job sees the cluster's trainer ranks.
JOB = """
import os, sys, ray
ray.init(address=sys.argv[1], runtime_env={"env_vars": {"VISION_R1_JOB": sys.argv[2]}}, log_to_driver=False)
worker = ray.remote(lambda: os.environ["VISION_R1_JOB"]).options(resources={"cpu_rank": 1}).remote()
print("WORKER", ray.get(worker), ray.cluster_resources().get("cpu_rank"))
"""

# What the runner is to its cluster: it holds one, prints the address, and is then SIGKILLed.
HOLDER = """
import sys, time
from pathlib import Path
from vision_r1.ray_cluster import ray_node
with ray_node(4, {"cpu_rank": 1}, Path(sys.argv[1]), sys.argv[2]) as node:
    print(node.address(), flush=True)
    time.sleep(600)
"""


def environment_of(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


def test_jobs_join_the_cluster_and_stopping_it_leaves_nothing(tmp_path: Path) -> None:
    marker = f"ray-cluster-test-{tmp_path}"
    with ray_node(4, {CPU_RANK_RESOURCE: 2}, tmp_path / "ray.log", marker) as node:
        address = node.address()
        cluster_processes = marked_processes(marker)
        assert cluster_processes  # GCS, raylet, agents: all carry the cluster's marker
        job = subprocess.run(
            [sys.executable, "-c", JOB, address, f"{marker}-job"],
            env={**os.environ, **auth_env()},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert job.returncode == 0, job.stderr[-3000:]
        worker_marker, ranks = job.stdout.split("WORKER", 1)[1].split()
        assert float(ranks) == 2.0
        assert worker_marker == f"{marker}-job"  # stopped with its stage, not with the cluster
        assert (tmp_path / "ray.log").read_text()  # `ray start` wrote its output to the log
    assert marked_processes(marker) == []
    assert not node.temp_dir.exists()


def test_a_sigkilled_holder_leaves_no_cluster_behind(tmp_path: Path) -> None:
    marker = f"ray-holder-test-{tmp_path}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "ray.log"), marker],
        env={**os.environ, "PYTHONPATH": REPO},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout is not None
        assert ":" in holder.stdout.readline()  # the cluster is up
        assert any(
            f"{MARKER_ENV}={marker}".encode() in environment_of(pid) for pid in marked_processes(marker)
        )
        sigkill_and_expect_no_survivors(holder, marker)
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait()
