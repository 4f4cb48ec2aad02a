"""One local Ray cluster for all GRPO stages of a run, started and stopped by the runner.

A GRPO launch on its own starts a local Ray cluster and stops it when it ends, which costs each stage
the cluster's start (GCS, raylet, agents: 5-20 s on 2 cores) and its shut-down. The runner instead
starts one head node when the run begins, in the background, so that it comes up while the stages
before the first GRPO stage run, and every GRPO stage joins it (`vision_r1.verl_cpu.launch.
join_cluster_overrides`). What a stage computes does not depend on which cluster it ran on, so this
is a launch detail, never part of a stage's planned config or fingerprint.

The head is `ray start --head --block`: blocking, it stays the parent of the node's processes, and a
SIGTERM makes it drain the node and stop them, Ray's own shut-down scoped to this one cluster
(never `ray stop`, which stops every Ray cluster on the machine). Every process of the cluster
carries the run's cluster marker, so the runner's orphan watcher stops them if the runner is
SIGKILLed; the workers a stage's job starts carry that stage's marker instead (set through the job's
runtime env), so they are stopped with the stage like those of a stage-local cluster.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vision_r1.orphans import MARKER_ENV, stop_marked, watch_for_orphans

# `ray start --head` writes the cluster's address here (inside its --temp-dir) once the GCS is up.
ADDRESS_FILE = "ray_current_cluster"
READY_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 60.0
LOG_TAIL_LINES = 40
AUTH_MODE_ENV = "RAY_AUTH_MODE"


class RayClusterError(RuntimeError):
    """The run's Ray cluster did not start; the message carries its log tail."""


def auth_env() -> dict[str, str]:
    """The same `RAY_AUTH_MODE` for the head and every process that joins it.

    Left unset, `ray start --head` turns token authentication on when a token exists, but a process
    joining an existing cluster does not look for one and is refused; so the mode is made explicit:
    the user's own, else `token` when Ray would find a token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or
    ~/.ray/auth_token), else `disabled`, which is what `ray start` does without a token.
    """
    mode = os.environ.get(AUTH_MODE_ENV)
    if mode is None:
        token_file = Path(os.environ.get("RAY_AUTH_TOKEN_PATH", Path.home() / ".ray" / "auth_token"))
        mode = "token" if os.environ.get("RAY_AUTH_TOKEN") or token_file.is_file() else "disabled"
    return {AUTH_MODE_ENV: mode}


def node_command(num_cpus: int, resources: dict[str, float], temp_dir: Path, join: str | None) -> list[str]:
    """`ray start` for a head (`join` None: free port, no dashboard) or a node joining `join`;
    Ray's files go under `temp_dir`."""
    role = ["--head", "--port=0", "--include-dashboard=false"] if join is None else [f"--address={join}"]
    return [
        sys.executable, "-m", "ray.scripts.scripts",  # the `ray` CLI of this very environment
        "start", "--block", *role, "--disable-usage-stats",
        f"--num-cpus={num_cpus}", f"--resources={json.dumps(resources)}", f"--temp-dir={temp_dir}",
    ]  # fmt: skip


class RayNode:
    """A Ray node started in the background: the head of a new cluster, or (`join`) one more node
    of the cluster at that address. `address()` waits until a head is up."""

    def __init__(
        self,
        num_cpus: int,
        resources: dict[str, float],
        log_path: Path,
        marker: str,
        join: str | None = None,
    ) -> None:
        self.num_cpus = num_cpus
        self.resources = resources
        self.log_path = log_path
        self.marker = marker
        self.join = join
        # Short: Ray's unix sockets live below it and socket paths are limited to ~107 bytes.
        self.temp_dir = Path(tempfile.mkdtemp(prefix="vr1-ray-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._address: str | None = join

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                node_command(self.num_cpus, self.resources, self.temp_dir, self.join),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **auth_env(), MARKER_ENV: self.marker},
                # the workers' working directory: whatever a job writes to a relative path stays in the run
                cwd=self.log_path.parent,
                start_new_session=True,  # a Ctrl-C aimed at a stage must not reach the cluster
            )

    def address(self, timeout_s: float = READY_TIMEOUT_S) -> str:
        """`host:port` of the head's GCS, once it is up (raises RayClusterError if it never comes)."""
        if self._address is not None:
            return self._address
        assert self._process is not None, "start() the cluster first"
        address_file = self.temp_dir / ADDRESS_FILE
        deadline = time.monotonic() + timeout_s
        while not (address_file.is_file() and address_file.read_text().strip()):
            if self._process.poll() is not None:
                raise RayClusterError(
                    self._failure(f"`ray start` exited with code {self._process.returncode}")
                )
            if time.monotonic() > deadline:
                raise RayClusterError(self._failure(f"the Ray head was not up after {timeout_s:.0f} s"))
            time.sleep(0.2)
        self._address = address_file.read_text().strip()
        return self._address

    def stop(self) -> None:
        """SIGTERM `ray start --block` (it drains and stops its node), then stop whatever is left.

        A head's workers on other nodes are stopped by those nodes' raylets when the head's GCS
        goes away; other nodes themselves are stopped by whoever started them."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=DRAIN_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stop_marked(self.marker)
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def _failure(self, headline: str) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        return f"{headline}\n--- last {len(lines)} lines of {self.log_path} ---\n" + "\n".join(lines)


@contextlib.contextmanager
def ray_node(
    num_cpus: int, resources: dict[str, float], log_path: Path, marker: str, join: str | None = None
) -> Iterator[RayNode]:
    """Start a node now (without waiting for it); stop it when the block ends, however it ends."""
    node = RayNode(num_cpus, resources, log_path, marker, join)
    with watch_for_orphans(marker):
        try:
            node.start()
            yield node
        finally:
            node.stop()
