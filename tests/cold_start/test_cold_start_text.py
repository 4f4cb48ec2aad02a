"""Reasoning-output splitting, the rewrite rule table, the consistency rules and the text measures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from data_pipeline.chat import Completion
from data_pipeline.config import FilterConfig
from data_pipeline.filters import RULE_ORDER, judge, stated_answers
from data_pipeline.reasoning_output import ReasonerOutput, split_reasoning
from data_pipeline.rewrite import RULES, rewrite_description_wording
from data_pipeline.text_metrics import (
    count_tokens,
    max_sentence_repeats,
    non_latin_share,
    percentiles,
    reflective_counts,
)

REPO = Path(__file__).resolve().parents[2]
LONG = " ".join(f"Step {i}: the bar for item {i} is {i} units high." for i in range(1, 6))


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        (
            Completion("Sure.\nFinal Answer: 4", "Count: 4 dots."),
            ("Count: 4 dots.", "Sure.\nFinal Answer: 4", True, "reasoning_content"),
        ),
        (
            Completion("<think>\nTwo plus two.\n</think>\nFinal Answer: 4"),
            ("Two plus two.", "Final Answer: 4", True, "think_tags"),
        ),
        (
            Completion("Two plus two.</think>Final Answer: 4"),
            ("Two plus two.", "Final Answer: 4", True, "think_tags"),
        ),
        (Completion("<think>Two plus", finish_reason="length"), ("Two plus", "", False, "think_tags")),
        (
            Completion("", "Still counting", finish_reason="length"),
            ("Still counting", "", False, "reasoning_content"),
        ),
        (Completion("I add them.\nFinal answer: 4"), ("I add them.", "Final answer: 4", True, "untagged")),
        (Completion("just words"), ("just words", "", True, "untagged")),
    ],
    ids=["field", "tags", "open-tag-in-prompt", "cut-in-tags", "cut-in-field", "untagged", "no-answer"],
)
def test_split_reasoning(completion: Completion, expected: tuple) -> None:
    output = split_reasoning(completion)
    assert (output.thinking, output.final, output.closed, output.source) == expected


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rewrite_rule_example_holds_under_the_whole_table(rule) -> None:
    assert any(needle in rule.before.lower() for needle in rule.needles)
    rewritten, fired = rewrite_description_wording(rule.before)
    assert rewritten == rule.after
    assert fired[rule.id] >= 1


def test_rewriting_is_idempotent_and_leaves_plain_reasoning_alone() -> None:
    text = "The description says the angle is 30 degrees. Based on the description, x = 2."
    once, _ = rewrite_description_wording(text)
    assert once == "The image shows the angle is 30 degrees. Based on the image, x = 2."
    assert rewrite_description_wording(once) == (once, {})
    plain = "The triangle has sides 3, 4 and 5, so it is right-angled. Wait, check: 9 + 16 = 25."
    assert rewrite_description_wording(plain) == (plain, {})


def test_readme_lists_every_rewrite_rule_and_filter_rule() -> None:
    readme = (REPO / "README.md").read_text()
    for name in [rule.id for rule in RULES] + list(RULE_ORDER):
        assert f"`{name}`" in readme, name


STRICT = FilterConfig()


def _judge(
    thinking: str,
    final: str = "Final Answer: 12",
    *,
    closed: bool = True,
    finish: str = "stop",
    truth: str = "12",
    choices=None,
    rules: FilterConfig = STRICT,
):
    return judge(ReasonerOutput(thinking, final, closed, "think_tags"), finish, truth, choices, rules)


def test_a_consistent_sample_is_kept_with_image_wording() -> None:
    verdict = _judge("The description says there are 3 rows of 4 apples. " + LONG + " Wait, 3 x 4 = 12.")
    assert verdict.kept and verdict.predicted == "12" and verdict.matched is True
    assert verdict.thinking.startswith("The image shows there are 3 rows")
    assert verdict.rewrites == {"description_verb": 1}


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"thinking": "   "}, "no_thinking"),
        ({"thinking": LONG, "closed": False}, "truncated_thinking"),
        ({"thinking": LONG, "finish": "length"}, "truncated_thinking"),
        ({"thinking": LONG + " <answer>12</answer>"}, "stray_tags"),
        ({"thinking": LONG, "final": "So that is it."}, "no_answer"),
        ({"thinking": LONG, "final": "Final Answer: 13"}, "answer_mismatch"),
        ({"thinking": LONG, "final": "Final Answer: 12\n\\boxed{13}", "truth": "13"}, "multiple_answers"),
        ({"thinking": LONG + " The hint says 12."}, "hint_reference"),
        ({"thinking": LONG + " We were told the answer is 12."}, "hint_reference"),
        ({"thinking": LONG + " The captions disagree."}, "description_reference"),
        ({"thinking": "So 12."}, "thinking_too_short"),
        ({"thinking": LONG * 400}, "thinking_too_long"),
        ({"thinking": LONG + " 所以答案是十二，我们再检查一下这个计算过程是否正确无误吧好的"}, "language"),
        ({"thinking": "Let me count the apples again. " * 6 + LONG}, "repetition"),
    ],
)
def test_each_rule_rejects_what_it_describes(kwargs: dict, reason: str) -> None:
    verdict = _judge(**kwargs)
    assert not verdict.kept and verdict.reason == reason


def test_multiple_choice_answers_match_by_letter_or_text() -> None:
    choices = ["30°", "45°", "60°"]
    assert _judge(LONG, "Final Answer: B", truth="B", choices=choices).kept
    assert _judge(LONG, "Final Answer: 45°", truth="B", choices=choices).kept
    assert _judge(LONG, "The answer is \\boxed{B}. Final Answer: 45°", truth="B", choices=choices).kept
    assert _judge(LONG, "Final Answer: C", truth="B", choices=choices).reason == "answer_mismatch"


def test_relaxed_rules_let_tiny_model_output_through() -> None:
    tiny = replace(
        STRICT,
        require_answer_match=False,
        reject_truncated=False,
        min_thinking_tokens=1,
        max_non_latin_share=1.0,
        max_sentence_repeats=1000,
        reject_description_reference=False,
    )
    nonsense = "circle degre 400 description Ш Th"
    assert not _judge(nonsense, "", finish="length").kept
    relaxed = _judge(nonsense, "", finish="length", rules=tiny)
    assert relaxed.kept and relaxed.predicted is None and relaxed.matched is None


def test_stated_answers_finds_each_statement() -> None:
    assert stated_answers("So \\boxed{12}.\nFinal Answer: 12") == ["12", "12"]
    assert stated_answers("nothing here") == []


def test_text_measures() -> None:
    assert count_tokens("Wait, x = 2.") == 6
    assert reflective_counts("Wait... hmm. Alternatively, WAIT; waiting is not one.") == {
        "wait": 2,
        "hmm": 1,
        "alternatively": 1,
    }
    assert non_latin_share("angle θ is π/2") == 0.0
    assert non_latin_share("abcd") == 0.0 and non_latin_share("ab日本") == 0.5
    assert max_sentence_repeats("I check it now. I check it now. Fine.") == 2
    assert percentiles([5, 1, 3, 2, 4]) == {
        "p10": 1.0,
        "p50": 3.0,
        "p90": 5.0,
        "p99": 5.0,
        "mean": 3.0,
        "max": 5.0,
    }
    assert percentiles([]) == {}
