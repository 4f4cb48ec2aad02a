"""Cold-start pipeline throughput against a server with fixed latency L and capacity C.

The server (a separate process, so the client's CPU time is measured alone) answers every request
after exactly L seconds and at most C at a time. With 3 model calls per sample the physical limit is
min(concurrency, C) / L / 3 samples per second; the pipeline should reach >= 90 % of it while its
own CPU cost stays under 2 ms per request. A second run over the same journal measures the cost of
resuming: every one of the samples is already journaled, so no request is sent.

    python benchmarks/cold_start.py [--samples 2000] [--latency 0.1] [--capacity 32] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import tempfile
import time
from pathlib import Path

from data_pipeline import run_cold_start
from data_pipeline.chat import ChatRequest, Completion
from data_pipeline.local_server import ChatServer, Responder, ScriptedBackend
from vision_r1.data import write_coldstart_input
from vision_r1.data.synth.generate import BOX_REWARDS, TASKS, synth_examples

_HINT = re.compile(r"The correct answer is (.+?)\. Reason")
_THOUGHT = (
    "Step {i}: I look at part {i} of the image and read the quantity shown there. "
    "Combining it with what I found in step {j} gives the next partial result. "
    "Wait, let me double-check value {i} against the picture before going on. "
)


def canned_reply(request: ChatRequest, model: str, seed: int | None) -> Completion:
    """Replies of realistic shape for each step, recognised by the built-in templates' wording."""
    text = request.messages[-1].text
    if "Reasoning process:" in text:
        return Completion("A detailed description of every object, label and number in the image. " * 8)
    if request.messages[-1].images:
        return Completion(
            "Caption: a synthetic figure.\nReasoning: 1. Read the values. 2. Combine them. " * 4
        )
    hint = _HINT.search(text)
    answer = hint.group(1) if hint else "0"
    thought = "".join(_THOUGHT.format(i=i, j=i - 1) for i in range(1, 13))
    return Completion(f"<think>\n{thought}So the result is {answer}.\n</think>\n\nFinal Answer: {answer}")


def serve(
    latency_s: float,
    capacity: int,
    port_queue: multiprocessing.Queue,
    port: int = 0,
    responder: Responder = canned_reply,
) -> None:
    """The server process: answers with `responder` after `latency_s`; puts its port on the queue."""

    async def main() -> None:
        server = ChatServer(ScriptedBackend(responder, latency_s), capacity=capacity, port=port)
        await server.start()
        port_queue.put(server.port)
        await asyncio.Event().wait()

    asyncio.run(main())


def input_table(path: Path, samples: int) -> Path:
    math_tasks = [task for task in TASKS if task not in BOX_REWARDS]
    write_coldstart_input(synth_examples(0, 0, samples, math_tasks, "hfrrf"), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency L, seconds")
    parser.add_argument("--capacity", type=int, default=32, help="server capacity C, concurrent requests")
    parser.add_argument("--concurrency", type=int, default=32, help="client max_concurrency")
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    ports: multiprocessing.Queue = context.Queue()
    server = context.Process(target=serve, args=(args.latency, args.capacity, ports), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=60)
        with tempfile.TemporaryDirectory(prefix="cold-start-bench-") as tmp:
            work = Path(tmp)
            source = input_table(work / "input.parquet", args.samples)
            endpoint = {
                "kind": "openai",
                "base_url": f"http://127.0.0.1:{port}/v1",
                "model": "bench",
                "max_concurrency": args.concurrency,
                "timeout_s": 60.0,
            }
            config = {
                "input": str(source),
                "output_dir": str(work / "out"),
                "vlm": endpoint,
                "reasoner": endpoint,
            }

            cpu, wall = time.process_time(), time.perf_counter()
            first = run_cold_start(config, progress=False, summary=False)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall

            resume_wall = time.perf_counter()
            second = run_cold_start(config, progress=False, summary=False)
            resume_wall = time.perf_counter() - resume_wall
    finally:
        server.kill()
        server.join()

    requests = 3 * args.samples
    limit = min(args.concurrency, args.capacity) / args.latency / 3
    generation = first.stats["seconds"]["generation"]
    sent = sum(step.get("new", 0) for step in first.stats["requests"].values() if isinstance(step, dict))
    resent = sum(step.get("new", 0) for step in second.stats["requests"].values() if isinstance(step, dict))
    print(f"samples {args.samples}, L {args.latency} s, C {args.capacity}, concurrency {args.concurrency}")
    print(f"physical limit min(concurrency, C) / L / 3 = {limit:.1f} samples/s")
    print(
        f"generation: {args.samples / generation:.1f} samples/s = "
        f"{100 * args.samples / generation / limit:.1f}% of the limit ({sent} requests in {generation:.2f} s)"
    )
    print(
        f"end to end incl. input check, filtering, SFT write: {args.samples / wall:.1f} samples/s "
        f"({100 * args.samples / wall / limit:.1f}%), kept {first.stats['funnel']['kept']}"
    )
    print(f"client CPU per request: {1000 * cpu / requests:.3f} ms (whole run / {requests} requests)")
    print(
        f"resume over {args.samples} journaled samples: {second.stats['seconds']['generation']:.2f} s to skip "
        f"({resent} requests sent), {resume_wall:.2f} s for the whole re-run incl. re-assembly"
    )


if __name__ == "__main__":
    main()
