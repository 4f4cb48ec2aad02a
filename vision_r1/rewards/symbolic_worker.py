"""Symbolic answer judge, run as a child process by `vision_r1.rewards.symbolic`.

Protocol on stdin/stdout, one JSON object per line: request `{"predicted": str, "truth": str}`,
reply `{"equal": bool, "predicted_value": float | null, "truth_value": float | null}`, the values
being each side evaluated to a real number when it is one, so the parent can apply its numeric
tolerance (`\\sqrt{3}` against `1.732`).
The parent enforces the time limit by killing this process, so nothing here needs signals, and
this file imports nothing from vision_r1 so it starts the same under any interpreter path.
"""

from __future__ import annotations

import json
import logging
import math
import sys

_WARM_UP = (("(x+1)^2", "x^2+2x+1"), ("[0, \\infty)", "(0, \\infty)"), ("\\sin x", "\\cos x"))


def _as_math(text: str) -> str:
    """math-verify extracts LaTeX only from delimited spans; bare answers get `$...$`."""
    return text if "$" in text or "\\(" in text or "\\[" in text else f"${text}$"


def _real_value(expression: object) -> float | None:
    import sympy

    if not isinstance(expression, sympy.Basic) or not getattr(expression, "is_number", False):
        return None
    value = complex(expression.evalf())
    if value.imag != 0 or not math.isfinite(value.real):
        return None
    return value.real


def judge(predicted: str, truth: str) -> dict[str, object]:
    from math_verify import parse, verify
    from mathruler.grader import grade_answer

    gold = parse(_as_math(truth), parsing_timeout=None)
    pred = parse(_as_math(predicted), parsing_timeout=None)
    equal = bool(gold and pred and verify(gold, pred, timeout_seconds=None))
    if not equal:
        equal = bool(grade_answer(predicted, truth))
    return {
        "equal": equal,
        "predicted_value": _real_value(pred[0]) if pred else None,
        "truth_value": _real_value(gold[0]) if gold else None,
    }


def main() -> None:
    import math_verify  # noqa: F401  (import before "ready" so start-up is not billed to a call)
    import mathruler.grader  # noqa: F401

    logging.disable(logging.WARNING)
    protocol = sys.stdout
    sys.stdout = sys.stderr  # stray prints from the libraries must not corrupt the protocol
    for predicted, truth in _WARM_UP:  # the libraries import more on first use: not a call's cost
        judge(predicted, truth)
    protocol.write("ready\n")
    protocol.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = judge(str(request["predicted"]), str(request["truth"]))
        except Exception:  # any failure to judge is a non-match, never a crash of the judge
            reply = {"equal": False, "predicted_value": None, "truth_value": None}
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()


if __name__ == "__main__":
    main()
