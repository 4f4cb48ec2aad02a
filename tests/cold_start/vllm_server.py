"""A real vLLM OpenAI-compatible server of the tiny model, on vLLM's CPU build, for the cold-start tests.

Started as `python -m vllm.entrypoints.openai.api_server` (the `vllm serve` console script of the
CPU wheel looks up a distribution named `vllm` and fails), in its own session with a unique
environment marker, so that stopping it also reaches its engine-core process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from vision_r1.orphans import MARKER_ENV, stop_marked

START_TIMEOUT_S = 420  # ~75 s on an idle 2-core machine; several minutes under load


class VllmServer:
    def __init__(self, model_dir: Path, port: int, log_path: Path, serve_args: tuple[str, ...] = ()) -> None:
        self.model_dir, self.port, self.log_path = model_dir, port, log_path
        self.serve_args = serve_args
        self.url = f"http://127.0.0.1:{port}/v1"
        self.process: subprocess.Popen[bytes] | None = None
        self.marker = ""

    def start(self) -> None:
        """Start the server and wait until it answers /v1/models."""
        self.marker = f"vllm-server-{uuid.uuid4().hex}"
        env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", MARKER_ENV: self.marker}
        command = [
            sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(self.model_dir),
            "--served-model-name", "tiny", "--port", str(self.port), "--max-model-len", "2048",
            "--enforce-eager", *self.serve_args,
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"vLLM server did not come up:\n{tail}")
            time.sleep(1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/models", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL everything the server started: what an engine crash or a lost node looks like."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        stop_marked(self.marker, grace_s=0.0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        stop_marked(self.marker)
