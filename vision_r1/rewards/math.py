"""Math answers: pull the final answer out of a response and judge it against the ground truth.

Judging is ordered cheapest first: normalized string equality, multiple-choice letters and option
text, then numbers (units, percent, degrees, tolerance), constant LaTeX expressions (mixed numbers
such as `2\\frac{1}{2}` are sums), polynomial and equation identities evaluated in-process
(`arithmetic`), and intervals, points and finite sets compared in-process (`intervals`). Only what
those cannot settle (functions, some equations, set-builder notation) goes to symbolic equivalence
(math-verify, then mathruler), under a hard per-call time limit in a child process (see `symbolic`).
Numbers separated by spaces (`1 2`) never get there: sympy would read them as one number (12).
Verdicts are cached: GRPO groups repeat the same answers against the same truth.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from vision_r1.rewards.arithmetic import constant_value, same_equation, same_expression
from vision_r1.rewards.intervals import same_bracketed
from vision_r1.rewards.numbers import ParsedNumber, clean_math_text, numbers_match, parse_number
from vision_r1.rewards.symbolic import DEFAULT_TIME_LIMIT_S, symbolic_verdict
from vision_r1.rewards.tags import answer_block

_BOXED = "\\boxed"
_FINAL_ANSWER = re.compile(r"final\s*answer\s*(?:is\b)?\s*[:：]?", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(
    r"^\s*(?:the\s+)?(?:final\s+|correct\s+)?(?:answer|option|choice)\s*(?:is\b)?\s*[:：]?\s*", re.IGNORECASE
)
_LETTER = re.compile(
    r"^(?:[(\[](?P<bracketed>[A-Za-z])[)\]]|(?P<plain>[A-Z])(?=$|[.:：)])[)]?)(?:\s*[.:：]?\s*(?P<text>.*))?$",
    re.DOTALL,
)
_SPACES = re.compile(r"\s+")
_MATH_SIGNS = frozenset("0123456789\\+-*/^=<>()[]{}|√π∞")
_MAX_SYMBOLIC_CHARS = 1000
# A number followed by whitespace and another number; a sub- or superscript digit (`\\log_2 8`) is no number.
_SPLIT_NUMBERS = re.compile(r"(?<![_^\d.])\d+(?:\.\d*)?\s+\.?\d")
_clear_symbolic_cache = symbolic_verdict.cache_clear  # bound now: benchmarks wrap the function itself


def extract_answer(text: str) -> str | None:
    """The final answer a response gives, or None when it gives none.

    Looks in the last `<answer>...</answer>` block (the whole response if there is none) for
    `\\boxed{X}` first, then `Final Answer: X` (Vision-R1's `<answer> Final Answer:X </answer>`),
    else takes the whole block. Without an answer block, `Final Answer:` runs to the end of its line.
    """
    block = answer_block(text)
    scope = text if block is None else block
    boxed = _last_boxed(scope)
    if boxed is not None:
        return boxed.strip() or None
    final = max(_FINAL_ANSWER.finditer(scope), key=lambda match: match.start(), default=None)
    if final is not None:
        answer = scope[final.end() :]
        if block is None:
            answer = answer.split("\n", 1)[0]
        return answer.strip() or None
    if block is not None:
        return block.strip() or None
    return None


def _last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` with balanced braces; None if absent or unbalanced."""
    start = text.rfind(_BOXED)
    return None if start < 0 else _boxed_at(text, start)


def boxed_answers(text: str) -> list[str]:
    """Contents of every balanced `\\boxed{...}` in order (a multi-part solution boxes each part)."""
    answers, start = [], text.find(_BOXED)
    while start >= 0:
        content = _boxed_at(text, start)
        if content is not None and content.strip():
            answers.append(content.strip())
        start = text.find(_BOXED, start + len(_BOXED))
    return answers


def _boxed_at(text: str, start: int) -> str | None:
    """Content of the `\\boxed{...}` starting at `start`; None when its braces never balance."""
    position = start + len(_BOXED)
    while position < len(text) and text[position] == " ":
        position += 1
    if position >= len(text) or text[position] != "{":
        return None
    depth = 0
    for index in range(position, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[position + 1 : index]
    return None


def answers_match(
    predicted: str,
    ground_truth: str,
    choices: Sequence[str] | None = None,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
) -> bool:
    """Whether `predicted` states the same answer as `ground_truth`.

    With `choices` (option texts in order A, B, ...) a letter and its option text are the same
    answer, either way round. A letter truth is matched only by that letter or its option text,
    so listing several options never matches. `time_limit_s` bounds the symbolic fallback.
    """
    return _answers_match(predicted, ground_truth, tuple(choices) if choices else (), time_limit_s)


@functools.lru_cache(maxsize=65536)
def _answers_match(predicted: str, ground_truth: str, choices: tuple[str, ...], time_limit_s: float) -> bool:
    predicted = _ANSWER_PREFIX.sub("", predicted, count=1).strip()
    ground_truth = _ANSWER_PREFIX.sub("", ground_truth, count=1).strip()
    if not predicted or not ground_truth:
        return False
    if _normalize(predicted) == _normalize(ground_truth):
        return True
    options = [_strip_option_label(text, index) for index, text in enumerate(choices)]
    truth_letter = _option_index(ground_truth, options)
    predicted_letter = _option_index(predicted, options)
    if truth_letter is not None:
        return predicted_letter == truth_letter
    if predicted_letter is not None and options:
        predicted = options[predicted_letter]
    return _values_match(predicted, ground_truth, time_limit_s)


def _normalize(text: str) -> str:
    text = clean_math_text(text).lower().replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return _SPACES.sub(" ", text).rstrip(".").strip()


def _letter(text: str) -> int | None:
    """`B`, `(B)`, `B.`, `B)`, `B: 30°`, `(b)` -> 1; anything else (`A, B`, `B 30`, `Bob`) -> None."""
    match = _LETTER.match(text.strip())
    if match is None:
        return None
    letter = match.group("bracketed") or match.group("plain")
    return ord(letter.upper()) - ord("A")


def _strip_option_label(option: str, index: int) -> str:
    """Options are sometimes stored as `A. 30°` / `(A) 30°`: keep only the option text."""
    match = _LETTER.match(option.strip())
    if match is not None and _letter(option) == index and match.group("text"):
        return match.group("text").strip()
    return option.strip()


def _option_index(answer: str, options: list[str]) -> int | None:
    """Which option `answer` names: by letter (within range) or, failing that, by option text."""
    letter = _letter(answer)
    if letter is not None and (not options or letter < len(options)):
        return letter
    for index, option in enumerate(options):
        if _cheap_match(answer, option) is True:
            return index
    return None


def _cheap_match(predicted: str, truth: str) -> bool | None:
    """True/False when string or number comparison settles it, None when it does not."""
    if _normalize(predicted) == _normalize(truth):
        return True
    predicted_number, truth_number = _numeric(predicted), _numeric(truth)
    if predicted_number is not None and truth_number is not None:
        return numbers_match(predicted_number, truth_number)
    return None


def _numeric(text: str) -> ParsedNumber | None:
    """A decorated number (`30°`, `1,234 cm`) or a constant expression (`\\frac{\\sqrt{3}}{2}`)."""
    number = parse_number(text)
    if number is not None:
        return number
    value = constant_value(text)
    return None if value is None else ParsedNumber(value, False, None, False)


def _values_match(predicted: str, truth: str, time_limit_s: float) -> bool:
    settled = _cheap_match(predicted, truth)
    if settled is not None:
        return settled
    if not (_looks_mathematical(predicted) and _looks_mathematical(truth)):
        return False
    if len(predicted) > _MAX_SYMBOLIC_CHARS or len(truth) > _MAX_SYMBOLIC_CHARS:
        return False
    same = same_expression(predicted, truth)
    if same is not None:
        return same
    same = same_equation(predicted, truth)
    if same is not None:
        return same
    same = same_bracketed(predicted, truth, element_match)
    if same is not None:
        return same
    if _SPLIT_NUMBERS.search(clean_math_text(predicted)) or _SPLIT_NUMBERS.search(clean_math_text(truth)):
        return False
    verdict = symbolic_verdict(predicted.strip(), truth.strip(), time_limit_s)
    if verdict.equal:
        return True
    predicted_number, truth_number = _numeric(predicted), _numeric(truth)
    if predicted_number is None and verdict.predicted_value is not None:
        predicted_number = ParsedNumber(verdict.predicted_value, False, None, False)
    if truth_number is None and verdict.truth_value is not None:
        truth_number = ParsedNumber(verdict.truth_value, False, None, False)
    return (
        predicted_number is not None
        and truth_number is not None
        and numbers_match(predicted_number, truth_number)
    )


def element_match(predicted: str, truth: str) -> bool | None:
    """One entry of an interval, point or set: a number or constant, else an expression."""
    settled = _cheap_match(predicted, truth)
    return settled if settled is not None else same_expression(predicted, truth)


def clear_caches() -> None:
    """Forget cached verdicts (benchmarks time cold judging; tests of changed rules start clean)."""
    _answers_match.cache_clear()
    _clear_symbolic_cache()


def _looks_mathematical(text: str) -> bool:
    """Plain words (`triangle` vs `square`) never need sympy; digits, operators or LaTeX might."""
    return any(char in _MATH_SIGNS for char in text)
