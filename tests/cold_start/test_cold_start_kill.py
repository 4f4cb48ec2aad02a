"""`kill -9` at several points, then resume: the SFT set equals an uninterrupted run's, nothing repeated.

The pipeline runs as a real subprocess (`vision-r1 cold-start`) against a local server backed by the
tiny model; the test kills it when its journal reaches given sizes and restarts it each time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cold_start_helpers import tiny_model_endpoint_config, write_input

from data_pipeline.local_server import ChatServer, ModelBackend

REPO = Path(__file__).resolve().parents[2]
SAMPLES = 6
REQUESTS = 3 * SAMPLES
CONCURRENCY = 2


def _journal_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _command(config: Path) -> list[str]:
    return [sys.executable, "-m", "vision_r1.cli", "cold-start", str(config), "--no-progress"]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _run_to_end(config: Path) -> None:
    done = subprocess.run(_command(config), env=_environment(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]


def _run_and_kill(config: Path, journal: Path, at_lines: int) -> int:
    """Start the pipeline and SIGKILL it once the journal holds `at_lines` records (or it has ended);
    returns the exit status (-9 when killed)."""
    process = subprocess.Popen(
        _command(config), env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        while process.poll() is None and _journal_lines(journal) < at_lines:
            assert time.monotonic() < deadline, "pipeline made no progress"
            time.sleep(0.005)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    return process.returncode


def _config(tmp_path: Path, name: str, source: Path, url: str) -> Path:
    return tiny_model_endpoint_config(tmp_path, name, source, url, max_concurrency=CONCURRENCY)


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_kill_minus_nine_then_resume_gives_the_uninterrupted_dataset(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    server = ChatServer(ModelBackend(tiny_model_dir, max_tokens_cap=24), capacity=CONCURRENCY)
    url = server.start_in_thread()
    try:
        source = write_input(tmp_path / "input.parquet", SAMPLES)
        reference = _config(tmp_path, "reference", source, url)
        _run_to_end(reference)
        reference_requests = len(server.received)
        assert reference_requests == REQUESTS

        interrupted = _config(tmp_path, "interrupted", source, url)
        journal = tmp_path / "interrupted" / "journal.jsonl"
        kill_points = (1, 7, 13, REQUESTS)  # early, mid pseudo-CoT/description, late, during assembly
        statuses = [_run_and_kill(interrupted, journal, at_lines) for at_lines in kill_points]
        assert statuses[:3] == [-signal.SIGKILL] * 3  # really interrupted mid-generation
        _run_to_end(interrupted)
        interrupted_requests = len(server.received) - reference_requests
    finally:
        server.stop_thread()

    expected = pq.read_table(tmp_path / "reference" / "sft.parquet").to_pylist()
    resumed = pq.read_table(tmp_path / "interrupted" / "sft.parquet").to_pylist()
    assert expected, "the tiny config should keep some samples"
    assert resumed == expected

    records = [json.loads(line) for line in journal.read_text().splitlines()]
    ok_keys = [r["key"] for r in records if r["ok"]]
    assert len(ok_keys) == len(set(ok_keys)) == REQUESTS  # no request journaled twice, none missing
    # Only requests in flight at a kill can have been sent twice.
    assert REQUESTS <= interrupted_requests <= REQUESTS + CONCURRENCY * len(kill_points)
    reference_stats = json.loads((tmp_path / "reference" / "stats.json").read_text())
    resumed_stats = json.loads((tmp_path / "interrupted" / "stats.json").read_text())
    assert resumed_stats["funnel"] == reference_stats["funnel"]
    assert resumed_stats["requests"]["reasoning"]["reused"] > 0
