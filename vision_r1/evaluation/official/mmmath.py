"""MM-Math's scoring rules (`eval.py`, `AutoScoringJudge`, run with precision 1e-2).

The solution scored is the response's final `<answer>` block when it has one (the Vision-R1
evaluation hands the judge that block), else the whole response. Then, as published:
- both the reference solution and the response must contain `\\boxed{`; a response without one
  scores 0, and a `\\boxed{` whose braces never close makes the comparison fail;
- every boxed answer of each side is collected in order and joined with commas; units and
  spacing are stripped (`cm`, `\\text{cm}`, a trailing `m`, `^\\circ`, `$`, `\\left`, `\\right`, ...),
  `x \\in S` keeps `S`, `\\sin30` is read in degrees, Chinese characters are dropped unless the
  answer is only Chinese, and `a<x<b` becomes the interval `(a, b)`;
- both sides are split at top-level commas (`\\pm` gives two answers) and must pair up one to one
  in any order, so a two-part problem needs both parts;
- two answers pair when they are the same text; or are intervals with the same brackets and
  endpoints; or are numbers within 1e-2 of the reference, of 1/100 of it or of 100 times it
  (percent variants); or are expressions (right of any `=`) equal within 1e-2 when constant and
  identical when not; or are equations whose sides differ by a non-zero integer factor.
Expressions are read as sympy's LaTeX parser reads them (so `2\\frac{1}{2}` is a product, 1);
what our reader cannot value goes to the symbolic judge.
"""

from __future__ import annotations

import re

from vision_r1.evaluation.items import EvalItem
from vision_r1.rewards.arithmetic import constant_value, equation_ratio, same_expression
from vision_r1.rewards.intervals import comma_pieces
from vision_r1.rewards.symbolic import symbolic_verdict
from vision_r1.rewards.tags import answer_block

PRECISION = 1e-2
_BOXED = "\\boxed{"
# Removed in this order; the order matters (`cm` goes before `cm^{2}` is looked for, as published).
_UNIT_STRINGS = (
    "\\text{cm}^2",
    "\\text{cm}",
    "\\,cm",
    "\\text{ cm}",
    "cm",
    "\\text{分米}^2",
    "cm^{2}",
    "60 \\text{ cm}^2",
    "\\ \\text{m}",
    "\\text{米}",
)
_SYMBOLS = (
    ("\\left", ""),
    ("\\right", ""),
    ("厘米", ""),
    ("，", ","),
    ("$", ""),
    ("（", "("),
    ("）", ")"),
    ("\\infty", "oo"),
    ("\\colon ", ":"),
    ("＋", "+"),
    ("\\, ", ""),
    ("\\,", ""),
    ("^\\circ", ""),
    ("^{\\circ}", ""),
)
_EDGE_CHARACTERS = "\n,.:;^_=+`!@#%^&*~，。"
_TRIG_DEGREES = re.compile(r"(\\sin|\\cos|\\tan)(\d+)")
_WRAPPED = re.compile(r"\\(?:mathrm|mathbf)\{~?([^}]*)\}")
_TRAILING_METRE = re.compile(r"(.+)m$")
_CHINESE = re.compile(r"[\u4e00-\u9fff]+")


class _Unbalanced(Exception):
    pass


def mmmath_official(item: EvalItem, response: str, extracted: str | None) -> tuple[bool, str | None]:
    solution = answer_block(response)
    solution = response if solution is None else solution
    reference = ",".join(
        f"\\boxed{{{part}}}" for part in item.extra_info.get("answer_parts") or [item.answer]
    )
    if _BOXED not in solution:
        return False, None
    try:
        truth, prediction = _prepared(reference), _prepared(solution)
    except _Unbalanced:
        return False, None
    return same_solution(truth, prediction), prediction


def same_solution(truth: str, prediction: str) -> bool:
    """The published comparison of two prepared answer lists (the reference first)."""
    if truth == prediction:
        return True
    truth, prediction = _without_chinese(truth), _without_chinese(prediction)
    truths = _plus_minus(_split_top_level(_chain_to_interval(truth)))
    predictions = _plus_minus(_split_top_level(_chain_to_interval(prediction)))
    if len(truths) != len(predictions):
        return False
    for expected in truths:
        match = next((i for i, answer in enumerate(predictions) if _same_answer(expected, answer)), None)
        if match is None:
            return False
        predictions.pop(match)
    return True


def _prepared(text: str) -> str:
    """Every boxed answer, comma-joined, with the published replacements applied."""
    answers = []
    start = text.find(_BOXED)
    while start >= 0:
        position, depth = start + len(_BOXED), 1
        while depth and position < len(text):
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
        if depth:
            raise _Unbalanced
        answers.append(text[start + len(_BOXED) : position - 1])
        start = text.find(_BOXED, position)
    joined = "".join(answer + "," for answer in answers)
    for unit in _UNIT_STRINGS:
        joined = joined.replace(unit, "")
    joined = _TRAILING_METRE.sub(r"\1", joined.strip())
    if "\\in " in joined:
        joined = joined.split("\\in ")[1]
    for old, new in _SYMBOLS:
        joined = joined.replace(old, new)
    joined = _TRIG_DEGREES.sub(r"\1((\2/180)\\pi)", joined)
    return _WRAPPED.sub(r"\1", joined.strip(_EDGE_CHARACTERS))


def _without_chinese(text: str) -> str:
    return text if _CHINESE.fullmatch(text) else _CHINESE.sub("", text)


def _chain_to_interval(text: str) -> str:
    """`a<x<b` (exactly two `<`) becomes `(a, b)`."""
    pieces = text.split("<")
    return f"({pieces[0]}, {pieces[-1]})" if len(pieces) == 3 else text


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses and square brackets (braces do not protect a comma);
    nothing after a final comma is no answer, a blank is an empty one."""
    pieces, _ = comma_pieces(text, "([")
    if pieces[-1] == "":
        pieces.pop()
    return [piece.strip() for piece in pieces]


def _plus_minus(parts: list[str]) -> list[str]:
    expanded = []
    for part in parts:
        expanded += [part.replace("\\pm", "+"), part.replace("\\pm", "-")] if "\\pm" in part else [part]
    return expanded


def _same_answer(truth: str, prediction: str) -> bool:
    if truth == prediction and truth:
        return True
    if _is_interval(truth) and _is_interval(prediction) and _same_intervals(truth, prediction):
        return True
    if _same_number(truth, prediction):
        return True
    if not ("=" in truth and "=" in prediction) and _same_expression(truth, prediction):
        return True
    return _same_equation(truth, prediction)


def _is_interval(text: str) -> bool:
    return text.startswith(("(", "[")) and text.endswith((")", "]"))


def _same_intervals(truth: str, prediction: str) -> bool:
    if truth == prediction:
        return True
    truth_parts, predicted_parts = truth.split("\\cup"), prediction.split("\\cup")
    if len(truth_parts) != len(predicted_parts):
        return False
    for first, second in zip(truth_parts, predicted_parts, strict=True):
        if first[:1] != second[:1] or first[-1:] != second[-1:]:
            return False
        ends = zip(first.strip("[]()").split(","), second.strip("[]()").split(","), strict=False)
        if not all(_same_expression(a, b) for a, b in ends):
            return False
    return True


def _same_number(truth: str, prediction: str) -> bool:
    """Plain numbers (as Python's float() reads them), the reference also as a percent either way."""
    try:
        reference, value = float(truth), float(prediction)
    except ValueError:
        return False
    return any(
        abs(candidate - value) <= PRECISION * 1.01
        for candidate in (reference / 100, reference, reference * 100)
    )


def _same_expression(truth: str, prediction: str) -> bool:
    truth, prediction = (
        side.split("=")[1].strip() if "=" in side else side.strip() for side in (truth, prediction)
    )
    if truth == prediction:
        return bool(truth)
    truth_value = constant_value(truth, mixed_numbers=False)
    predicted_value = constant_value(prediction, mixed_numbers=False)
    if truth_value is not None and predicted_value is not None:
        return abs(truth_value - predicted_value) <= PRECISION * 1.01
    same = same_expression(truth, prediction)  # letters valued at test points; a constant never equals x
    if same is not None:
        return same
    verdict = symbolic_verdict(prediction, truth)
    if verdict.truth_value is not None and verdict.predicted_value is not None:
        return abs(verdict.truth_value - verdict.predicted_value) <= PRECISION * 1.01
    return verdict.equal


def _same_equation(truth: str, prediction: str) -> bool:
    """Equations whose (left - right) differ by a non-zero integer factor, either way round."""
    ratio = equation_ratio(truth, prediction)
    if ratio is None:
        return False
    return any(abs(k - round(k)) < 1e-9 and round(k) != 0 for k in (ratio, 1 / ratio))
