"""Step 4's consistency rules: which reasoning outputs become SFT samples.

Rules run in the order of `RULE_ORDER`; a sample is kept only if none fails. The first failing rule
is the sample's rejection reason in the funnel, and every failing rule is counted separately too.
`stray_tags`, `no_thinking` and `multiple_answers` always apply (they protect the SFT format); the
others follow `FilterConfig` (the tiny CPU config relaxes some, see data_pipeline/configs/tiny.yaml).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from data_pipeline.config import FilterConfig
from data_pipeline.reasoning_output import ReasonerOutput
from data_pipeline.rewrite import RESIDUAL_REFERENCE, rewrite_description_wording
from data_pipeline.text_metrics import count_tokens, max_sentence_repeats, non_latin_share
from vision_r1.rewards.math import answers_match, extract_answer

RULE_ORDER = (
    "no_thinking",
    "truncated_thinking",
    "stray_tags",
    "no_answer",
    "answer_mismatch",
    "multiple_answers",
    "hint_reference",
    "description_reference",
    "thinking_too_short",
    "thinking_too_long",
    "language",
    "repetition",
)

_TAGS = ("<think>", "</think>", "<answer>", "</answer>")
_ANSWER_MARKER = re.compile(r"final\s*answer|\\boxed", re.IGNORECASE)
# The reasoner saw the ground truth as a hint; a thought that admits it is useless as SFT data.
HINT_REFERENCE = re.compile(
    r"\bhint\b|\b(?:given|provided|expected|supplied|stated) (?:correct |final )?answer\b"
    r"|\b(?:we are|we're|we were|I am|I'm|I was) told (?:that )?the answer\b",
    re.IGNORECASE,
)


@dataclass
class Verdict:
    thinking: str  # after the rewrite table
    predicted: str | None
    matched: bool | None  # None when no answer could be extracted
    failed_rules: list[str] = field(default_factory=list)
    rewrites: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> bool:
        return not self.failed_rules

    @property
    def reason(self) -> str | None:
        return self.failed_rules[0] if self.failed_rules else None


def stated_answers(final: str) -> list[str]:
    """Every answer the final part states: one per `Final Answer` or `\\boxed` occurrence."""
    starts = [match.start() for match in _ANSWER_MARKER.finditer(final)]
    segments = [
        final[start:end] for start, end in zip(starts, [*starts[1:], len(final)][: len(starts)], strict=True)
    ]
    return [answer for segment in segments if (answer := extract_answer(segment))]


def _states_several_answers(final: str, choices: list[str] | None) -> bool:
    answers = stated_answers(final)
    return any(not answers_match(other, answers[0], choices) for other in answers[1:])


def judge(
    output: ReasonerOutput,
    finish_reason: str,
    ground_truth: str,
    choices: list[str] | None,
    rules: FilterConfig,
) -> Verdict:
    thinking, rewrites = output.thinking, Counter[str]()
    if rules.rewrite_description_wording:
        thinking, rewrites = rewrite_description_wording(thinking)
    predicted = extract_answer(output.final) if output.final else None
    matched = None if predicted is None else answers_match(predicted, ground_truth, choices)
    tokens = count_tokens(thinking)
    failures = {
        "no_thinking": not thinking.strip(),
        "truncated_thinking": rules.reject_truncated and (not output.closed or finish_reason == "length"),
        "stray_tags": any(tag in thinking for tag in _TAGS),
        "no_answer": rules.require_answer_match and predicted is None,
        "answer_mismatch": rules.require_answer_match and matched is False,
        "multiple_answers": _states_several_answers(output.final, choices),
        "hint_reference": rules.reject_hint_reference and bool(HINT_REFERENCE.search(thinking)),
        "description_reference": rules.reject_description_reference
        and bool(RESIDUAL_REFERENCE.search(thinking)),
        "thinking_too_short": tokens < rules.min_thinking_tokens,
        "thinking_too_long": tokens > rules.max_thinking_tokens,
        "language": non_latin_share(thinking) > rules.max_non_latin_share,
        "repetition": max_sentence_repeats(thinking) > rules.max_sentence_repeats,
    }
    return Verdict(thinking, predicted, matched, [rule for rule in RULE_ORDER if failures[rule]], rewrites)
