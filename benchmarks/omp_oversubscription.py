"""Why the test workers run torch with one OpenMP thread each: throughput of two side-by-side trainings.

    python benchmarks/omp_oversubscription.py [--seconds 20]

Starts two processes at once, each running the same small training loop (two 256-wide matmuls,
forward and backward, about the size of the tiny model's layers), first with as many OpenMP threads
as the machine has cores (torch's default), then with cores / 2 each, and prints the steps per
second of each process and of both together. On 2 cores, two processes with 2 threads each spin-wait
on each other's threads; `tests/conftest.py` therefore gives each of the N pytest-xdist workers
cores / N threads (OMP_NUM_THREADS, inherited by every process a test starts). One process alone
with the default is printed for scale.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

LOOP = """
import sys, time, torch
torch.manual_seed(0)
x = torch.randn(64, 256, requires_grad=True)
w = torch.randn(256, 256, requires_grad=True)
start, steps = time.perf_counter(), 0
while time.perf_counter() - start < float(sys.argv[1]):
    ((x @ w).relu() @ w.T).sum().backward()
    steps += 1
print(steps / (time.perf_counter() - start))
"""


def steps_per_second(threads: int, copies: int, seconds: float) -> list[float]:
    """Run `copies` loops at once with `threads` OpenMP threads each; their steps per second."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    command = [sys.executable, "-c", LOOP, str(seconds)]
    running = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(copies)]
    return [float(process.communicate()[0]) for process in running]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each loop runs")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"cores: {cores}, load average before: {os.getloadavg()[0]:.1f}")
    for label, threads, copies in (
        ("one process, default threads", cores, 1),
        ("two at once, default threads each", cores, 2),
        ("two at once, cores / 2 threads each", max(1, cores // 2), 2),
    ):
        rates = steps_per_second(threads, copies, args.seconds)
        each = ", ".join(f"{rate:.0f}" for rate in rates)
        print(f"{label:38s} OMP_NUM_THREADS={threads}: {each} steps/s (total {sum(rates):.0f})")


if __name__ == "__main__":
    main()
