"""Judging one response twice: our rule judge (`strict`) and the benchmark's own rules (`official`).

Strict: math-like items (the three benchmarks, math RL sets) are judged by `extract_answer` and
`answers_match`: multiple-choice letters and option text, numbers with tolerance and units,
symbolic equivalence. A reference with several parts (an MM-Math problem boxing two answers)
needs every part, in order: the response's boxed answers, or the comma-separated parts of its
final answer. Box and label items (grounding, detection, classification) are judged by the reward
kind's own `compute_score`; for those an item counts as correct when its task result is at least
0.5 (for `iou` that is VLM-R1's Acc@0.5), and the continuous result is kept as `score`.
Official: the benchmark's published rules (see `official`), given the same extracted answer.
Format compliance is the strict `<think>...</think><answer>...</answer>` layout of the HFRRF reward,
measured on every item whatever the kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vision_r1.evaluation.generation import Generation
from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.llm_extractor import LLMAnswerExtractor
from vision_r1.evaluation.official import OfficialRules, OfficialVerdict
from vision_r1.rewards import compute_score, reward_kind
from vision_r1.rewards.intervals import split_top_level
from vision_r1.rewards.math import answers_match, boxed_answers, extract_answer
from vision_r1.rewards.tags import answer_block, has_strict_format

MATH_KINDS = frozenset({"math", "hfrrf", "r1v"})
CORRECT_AT = 0.5


@dataclass(frozen=True)
class Verdict:
    extracted: str | None
    extracted_by: str | None  # "rule", "llm" or None when no answer was found
    correct: bool
    score: float
    format_ok: bool
    official: OfficialVerdict | None = None  # None where the benchmark has no official rules


def item_kind(item: EvalItem) -> str:
    """The reward kind judging this item: its own, else the reward library's data-source mapping."""
    return item.reward or reward_kind(item.data_source, item.extra_info)


def judge(
    item: EvalItem,
    response: str,
    extractor: LLMAnswerExtractor | None = None,
    official: OfficialRules | None = None,
) -> Verdict:
    format_ok = has_strict_format(response)
    if item_kind(item) not in MATH_KINDS:
        result = compute_score(item.data_source, response, item.answer, item.extra_info)
        block = answer_block(response)
        score = float(result["accuracy"])
        extracted = block.strip() if block and block.strip() else None
        return Verdict(extracted, "rule" if extracted else None, score >= CORRECT_AT, score, format_ok)
    extracted, extracted_by = extract_answer(response), "rule"
    if extracted is None and extractor is not None:
        extracted, extracted_by = extractor.extract(item.question, response), "llm"
    official_verdict = official(item, response, extracted) if official is not None else None
    if extracted is None:
        return Verdict(None, None, False, 0.0, format_ok, official_verdict)
    parts = item.extra_info.get("answer_parts") or []
    if len(parts) > 1:
        correct = _all_parts_match(response, extracted, parts)
    else:
        correct = answers_match(extracted, item.answer, item.choices)
    return Verdict(extracted, extracted_by, correct, float(correct), format_ok, official_verdict)


def _all_parts_match(response: str, extracted: str, parts: list[str]) -> bool:
    """Every reference part answered, in order: by the final answer's boxed answers, else its commas."""
    block = answer_block(response)
    given = boxed_answers(response if block is None else block)
    if len(given) < 2:
        given = split_top_level(extracted) or []
    return len(given) == len(parts) and all(answers_match(a, b) for a, b in zip(given, parts, strict=True))


def result_record(
    item: EvalItem, attempts: list[tuple[Generation, Verdict]], sample: int = 0
) -> dict[str, Any]:
    """The JSONL line for one sample of one item: its question, the final response, both verdicts,
    and the first attempt's verdicts when re-sampling replaced it (so the unretried score stays
    computable)."""
    generation, verdict = attempts[-1]
    record: dict[str, Any] = {
        "id": item.item_id,
        "sample": sample,
        "question": item.question,
        "answer": item.answer,
        "choices": item.choices,
        "categories": item.categories,
        "response": generation.text,
        "num_tokens": generation.num_tokens,
        "truncated": generation.truncated,
        "extracted": verdict.extracted,
        "extracted_by": verdict.extracted_by,
        "correct": verdict.correct,
        "score": verdict.score,
        "format_ok": verdict.format_ok,
        "attempts": len(attempts),
    }
    if verdict.official is not None:
        record["official"] = {"correct": verdict.official.correct, "prediction": verdict.official.prediction}
    if len(attempts) > 1:
        first_generation, first = attempts[0]
        record["first_attempt"] = {
            "correct": first.correct,
            "format_ok": first.format_ok,
            "num_tokens": first_generation.num_tokens,
        }
        if first.official is not None:
            record["first_attempt"]["official_correct"] = first.official.correct
    return record
