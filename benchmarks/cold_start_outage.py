"""Cold start through a server outage: the server is killed mid-run and restarted D seconds later.

The server is a separate process answering after a fixed latency L with capacity C (as in
benchmarks/cold_start.py). A reference run measures the uninterrupted wall time. In the outage run,
once the journal holds a given share of the requests, the server process is SIGKILLed (connections
reset, then refused) and a new one is started on the same port D seconds later. The pipeline, with
the shipped outage settings unless told otherwise, must notice, probe, resume and finish in the same
run. Every server process logs each request it answers, so repeats are counted on the server side.

Prints samples lost (kept vs the reference, not yet generated, failed), requests repeated for
finished samples (answered more than once by the servers), the outage as the client saw it, and the
wall-time overhead of the outage run over the reference, and how much of it lies beyond the outage.

    python benchmarks/cold_start_outage.py [--samples 600] [--outage 90] [--at 0.4] [--latency 0.05]
        [--capacity 16] [--probe-interval 10] [--outage-budget 1800]
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from cold_start import canned_reply, input_table, serve

from data_pipeline import run_cold_start
from data_pipeline.chat import ChatRequest, Completion
from data_pipeline.engines.openai_engine import PROBE_TEXT


class LoggedReply:
    """The benchmark's canned reply, with one line per answered request appended to a shared log."""

    def __init__(self, log_path: str):
        self.log_path = log_path

    def __call__(self, request: ChatRequest, model: str, seed: int | None) -> Completion:
        probe = request.messages[-1].text == PROBE_TEXT
        with open(self.log_path, "a") as log:  # appends of one short line do not interleave
            log.write(f"{'probe' if probe else model} {request.digest()}\n")
        return canned_reply(request, model, seed)


class Server:
    """A server process on a fixed port that can be killed and started again."""

    def __init__(self, args: argparse.Namespace, log_path: Path):
        self.args = args
        self.log_path = log_path
        self.context = multiprocessing.get_context("spawn")
        self.port = 0
        self.process: Any = None

    def start(self) -> None:
        ports = self.context.Queue()
        responder = LoggedReply(str(self.log_path))
        self.process = self.context.Process(
            target=serve,
            args=(self.args.latency, self.args.capacity, ports, self.port, responder),
            daemon=True,
        )
        self.process.start()
        self.port = ports.get(timeout=60)

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()  # SIGKILL by PID
            self.process.join()


def _journal_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _kill_and_restart(server: Server, journal: Path, at_lines: int, outage_s: float, marks: dict) -> None:
    """Kill the server once the journal holds `at_lines` records; start it again `outage_s` later."""
    while _journal_lines(journal) < at_lines:
        time.sleep(0.005)
    marks["killed"] = time.perf_counter()
    server.kill()
    time.sleep(outage_s)
    server.start()
    marks["listening"] = time.perf_counter()


def _config(args: argparse.Namespace, source: Path, out: Path, port: int) -> dict[str, Any]:
    endpoint = {
        "kind": "openai",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "model": "bench",
        "max_concurrency": args.capacity,
        "timeout_s": 60.0,
        "probe_interval_s": args.probe_interval,
        "outage_budget_s": args.outage_budget,
    }
    reasoner = {**endpoint, "model": "bench-reasoner"}
    return {"input": str(source), "output_dir": str(out), "vlm": endpoint, "reasoner": reasoner}


def _answered(log_path: Path) -> collections.Counter[str]:
    """How often each distinct request (model, digest) was answered; probes left out. Samples with the
    same question and image send identical requests, hence counts rather than a set."""
    lines = log_path.read_text().splitlines()
    return collections.Counter(line for line in lines if not line.startswith("probe "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--outage", type=float, default=90.0, help="seconds from the kill to the restart")
    parser.add_argument("--at", type=float, default=0.4, help="kill when this share of requests is done")
    parser.add_argument("--latency", type=float, default=0.05, help="server latency L, seconds")
    parser.add_argument("--capacity", type=int, default=16, help="server capacity C = client concurrency")
    parser.add_argument("--probe-interval", type=float, default=10.0, help="probe_interval_s (shipped: 10)")
    parser.add_argument("--outage-budget", type=float, default=1800.0, help="outage_budget_s (shipped: 1800)")
    args = parser.parse_args()

    requests = 3 * args.samples
    with tempfile.TemporaryDirectory(prefix="cold-start-outage-") as tmp:
        work = Path(tmp)
        source = input_table(work / "input.parquet", args.samples)
        log_path = work / "answered.log"
        server = Server(args, log_path)
        server.start()
        try:
            reference = run_cold_start(
                _config(args, source, work / "reference", server.port), progress=False, summary=False
            )
            reference_log = log_path.rename(work / "reference.log")  # the server opens the log per line
            out = work / "outage"
            marks: dict[str, float] = {}
            killer = threading.Thread(
                target=_kill_and_restart,
                args=(server, out / "journal.jsonl", int(args.at * requests), args.outage, marks),
                daemon=True,
            )
            killer.start()
            outage = run_cold_start(_config(args, source, out, server.port), progress=False, summary=False)
            killer.join()
        finally:
            server.kill()
        reference_answered, answered = _answered(reference_log), _answered(log_path)

    stats, ref = outage.stats, reference.stats
    wall, ref_wall = stats["seconds"]["total"], ref["seconds"]["total"]
    down_s = marks["listening"] - marks["killed"]
    repeated = sum((answered - reference_answered).values())
    print(
        f"samples {args.samples}, L {args.latency} s, C {args.capacity}; server SIGKILLed at "
        f"{100 * args.at:.0f}% of the requests, listening again {down_s:.1f} s later (restart included)"
    )
    print(
        f"settings: probe_interval_s {args.probe_interval:g}, outage_budget_s {args.outage_budget:g}, "
        f"down_after_failures 5 (shipped)"
    )
    print(f"reference run: {ref_wall:.1f} s, kept {ref['funnel']['kept']}")
    print(
        f"outage run: {wall:.1f} s, complete {stats['complete']}, kept {stats['funnel']['kept']}, "
        f"outcomes {stats['outcomes']}"
    )
    lost = ref["funnel"]["kept"] - stats["funnel"]["kept"]
    print(
        f"samples lost: {lost + stats['outcomes']['not_yet_generated'] + stats['outcomes']['failed_generation']}"
        f" ({lost} fewer kept than the reference, {stats['outcomes']['not_yet_generated']} not yet generated, "
        f"{stats['outcomes']['failed_generation']} failed)"
    )
    print(
        f"requests repeated for finished samples: {repeated} (servers answered {sum(answered.values())} "
        f"requests, the reference run {sum(reference_answered.values())}; the client re-sent "
        f"{stats['requests']['transient_retries']} requests that had got no answer)"
    )
    for entry in stats["outages"]:
        print(
            f"client saw: {entry['endpoint']} down {entry['seconds']:.1f} s, {entry['probes']} probes, "
            f"recovered {entry['recovered']}"
        )
    overhead = wall - ref_wall
    print(
        f"wall-time overhead of the outage: {overhead:.1f} s over the reference; "
        f"{overhead - down_s:.1f} s beyond the {down_s:.1f} s the server was away"
    )


if __name__ == "__main__":
    main()
