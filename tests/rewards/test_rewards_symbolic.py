"""The symbolic fallback has a hard time limit that holds off the main thread, and recovers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from vision_r1.rewards.math import answers_match
from vision_r1.rewards.symbolic import idle_judges, judges_started, symbolic_verdict

PATHOLOGICAL = "(x+1)^{3000}-(x-1)^{3000}"  # sympy expands this for minutes


def test_time_limit_holds_in_a_worker_thread_and_the_judge_recovers() -> None:
    # Warm a judge first so the measured call does not include process start-up.
    assert symbolic_verdict("\\frac{2}{4}", "\\frac{1}{2}", 30.0).equal

    def pathological_call() -> tuple[bool, float]:
        started = time.monotonic()
        matched = answers_match(PATHOLOGICAL, "(x+2)^{3000}", time_limit_s=0.5)
        return matched, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=1) as pool:
        matched, elapsed = pool.submit(pathological_call).result(timeout=60)
    assert matched is False
    assert elapsed < 5.0

    verdict = symbolic_verdict("x^2+2x+1", "(x+1)^2", 30.0)
    assert verdict.equal and not verdict.timed_out


def test_timed_out_verdict_is_reported() -> None:
    verdict = symbolic_verdict("9^{9^{9^{9}}}", "10^{10^{10}}", 0.5)
    assert verdict.timed_out and not verdict.equal


def test_concurrent_threads_get_their_own_answers() -> None:
    cases = [(f"y={k}(x+1)", f"y={k}x+{k}", True) for k in range(2, 6)]
    cases += [(f"y={k}(x+1)", f"y={k}x+{k + 1}", False) for k in range(2, 6)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda case: symbolic_verdict(case[0], case[1], 30.0).equal, cases))
    assert results == [expected for _, _, expected in cases]


def test_values_come_back_for_numeric_tolerance() -> None:
    verdict = symbolic_verdict("\\sqrt{3}", "1.732", 30.0)
    assert verdict.predicted_value is not None and abs(verdict.predicted_value - 3**0.5) < 1e-9
    assert verdict.truth_value == 1.732


def test_a_killed_judge_is_replaced_in_the_background_not_inside_the_next_call() -> None:
    assert symbolic_verdict("\\frac{3}{6}", "\\frac{1}{2}", 30.0).equal  # a warm judge to kill
    started = time.monotonic()
    assert symbolic_verdict("(x+1)^{2999}-(x-1)^{2999}", "(x+3)^{2999}", 0.5).timed_out
    assert time.monotonic() - started < 5.0  # the kill does not wait for the replacement
    deadline = time.monotonic() + 120
    while idle_judges() == 0 and time.monotonic() < deadline:  # the spare starts on its own
        time.sleep(0.02)
    assert idle_judges() >= 1
    before = judges_started()
    verdict = symbolic_verdict("\\cos(x)", "\\cos x", 30.0)
    assert verdict.equal and not verdict.timed_out
    assert judges_started() == before  # served by the spare: no start-up inside this call
