"""Each paper benchmark's own published scoring rules, re-implemented: the `official` column.

Published numbers on MathVista, MathVerse and MM-Math come from each benchmark's own scorer, and
those differ from our rule judge (the `strict` column) in ways that move results by points: the
closest option wins in MathVista, units convert in MathVerse, MM-Math compares every boxed answer
as an unordered list with an absolute tolerance. Both columns are always reported side by side.

Where a benchmark's pipeline asks GPT to extract the answer (MathVista, MathVerse), the rule-based
extraction (or the configured LLM extractor) stands in for it; everything after the extraction
follows the published rules. Each module documents its rules and where they come from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vision_r1.evaluation.items import EvalItem
from vision_r1.evaluation.official.mathverse import mathverse_official
from vision_r1.evaluation.official.mathvista import mathvista_official
from vision_r1.evaluation.official.mmmath import mmmath_official


@dataclass(frozen=True)
class OfficialVerdict:
    correct: bool
    prediction: str | None  # what the rules compared after their own normalization


@dataclass(frozen=True)
class OfficialRules:
    name: str  # the scorer reproduced, shown next to the figures
    judge: Callable[[EvalItem, str, str | None], tuple[bool, str | None]]

    def __call__(self, item: EvalItem, response: str, extracted: str | None) -> OfficialVerdict:
        """`extracted` is the answer the rule (or LLM) extraction found in `response`, if any."""
        correct, prediction = self.judge(item, response, extracted)
        return OfficialVerdict(correct, prediction)


OFFICIAL_RULES: dict[str, OfficialRules] = {
    "mathvista": OfficialRules("MathVista evaluation/calculate_score.py", mathvista_official),
    "mathverse": OfficialRules("MathVerse evaluation/score_answer_s2.py judge rules", mathverse_official),
    "mm_math": OfficialRules("MM-Math eval.py (precision 1e-2)", mmmath_official),
}
