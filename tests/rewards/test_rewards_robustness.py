"""Every kind survives hostile responses: huge, binary, unicode, nested tags, code, pathological math."""

from __future__ import annotations

import math
import random
import re
import time
from pathlib import Path

import pytest

import vision_r1.rewards
from vision_r1.rewards import KINDS, REWARD_KEYS, compute_score
from vision_r1.rewards.jsonish import loads_loose

TRUTHS = {
    "hfrrf": "12",
    "r1v": "B",
    "math": "\\frac{1}{2}",
    "iou": "[10, 10, 50, 50]",
    "giou": "[10, 10, 50, 50]",
    "detection": "[[10, 10, 50, 50], [60, 60, 90, 90]]",
    "map": '[{"bbox_2d": [10, 10, 50, 50], "label": "cat"}]',
    "map50": '[{"bbox_2d": [10, 10, 50, 50], "label": "cat"}]',
    "map_length": '[{"bbox_2d": [10, 10, 50, 50], "label": "cat"}]',
    "classification": "pink_primrose",
    "brief_thinking": "3",  # not judged: only the layout and the thinking's length count
}


def _hostile_responses() -> list[str]:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(4096)).decode("latin-1")
    return [
        "",
        "x" * 65536,
        "<think>" + "a" * 65536 + "</think><answer>12</answer>",
        "<answer>" * 8000 + "12",
        "</answer>" * 8000,
        "[" * 65536,
        "{" * 30000 + "}" * 30000,
        "[1," * 20000,
        "<answer>" + "[1, 2, 3, 4], " * 5000 + "</answer>",
        "<answer>" + "\\frac{" * 5000 + "</answer>",
        "<answer>" + "9" * 5000 + "</answer>",
        junk,
        "<think>\x00\x01</think><answer>\ud800\x7f</answer>",
        "<think>t</think><answer><answer>12</answer></answer>",
        "<answer>NaN</answer><answer>inf</answer>",
        "<answer>[{'Position': [NaN, -Infinity, 1e999, 0], 'Confidence': NaN}]</answer>",
        "<answer>__import__('os').system('echo hacked')</answer>",
        "<answer>" + "١٢" + "</answer>",
    ]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_returns_finite_fixed_keys_quickly_on_hostile_input(kind: str) -> None:
    for response in _hostile_responses():
        started = time.perf_counter()
        result = compute_score("any", response, TRUTHS[kind], {"reward": kind, "symbolic_time_limit_s": 1.0})
        elapsed = time.perf_counter() - started
        assert tuple(result) == REWARD_KEYS
        assert all(isinstance(value, float) and math.isfinite(value) for value in result.values()), result
        assert elapsed < 3.0, (kind, response[:40], elapsed)


def test_nested_and_repeated_answer_tags() -> None:
    nested = "<think>t</think><answer><answer>12</answer></answer>"
    result = compute_score("geometry3k", nested, "12")
    assert (result["format"], result["accuracy"], result["score"]) == (0.0, 1.0, 0.0)
    twice = "<think>t</think><answer>11</answer><answer>12</answer>"
    assert compute_score("geometry3k", twice, "12")["score"] == 0.0
    assert compute_score("mathvista", twice, "12")["accuracy"] == 1.0  # the last answer counts


def test_unicode_digits_score_in_math_and_boxes() -> None:
    assert compute_score("geometry3k", "<think>t</think><answer>١٢</answer>", "12")["score"] == 1.0
    assert compute_score("geometry3k", "<think>t</think><answer>１２ cm</answer>", "12")["score"] == 1.0
    box = compute_score(
        "refcoco", "<think>t</think><answer>[１０, １０, ５０, ５０]</answer>", "[10, 10, 50, 50]"
    )
    assert box["iou"] == 1.0


def test_model_output_is_never_executed(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    payload = f"__import__('pathlib').Path({str(target)!r}).touch()"
    for kind in KINDS:
        answer = f"<think>t</think><answer>[{{'Position': {payload}, 'Confidence': 1}}] {payload}</answer>"
        compute_score("any", answer, TRUTHS[kind], {"reward": kind})
    assert not target.exists()
    package = Path(vision_r1.rewards.__file__).parent
    for source in package.glob("*.py"):
        assert not re.search(r"\b(?:eval|exec|literal_eval)\(", source.read_text()), source.name


def test_pathological_latex_is_cut_off_by_the_time_limit() -> None:
    response = "<think>t</think><answer>(x+1)^{3000}-(x-1)^{3000}</answer>"
    started = time.perf_counter()
    result = compute_score("any", response, "(x+2)^{3000}", {"reward": "hfrrf"}, symbolic_time_limit_s=0.5)
    assert result["score"] == 0.0
    assert time.perf_counter() - started < 10.0  # includes starting a judge process


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[{'Position': [1, 2, 3, 4], 'Confidence': 0.5}]", [{"Position": [1, 2, 3, 4], "Confidence": 0.5}]),
        ('[{"a": 1,}, [1, 2,],]', [{"a": 1}, [1, 2]]),
        ("```json\n[1, 2]\n```", [1, 2]),
        ("```\n{'k': 'v'}", {"k": "v"}),
        ("prose before [1, 2] prose after", [1, 2]),
        ("[{bbox_2d: [1, 2, 3, 4], label: cat}]", [{"bbox_2d": [1, 2, 3, 4], "label": "cat"}]),
        ("[True, False, None, null, 'it\\'s']", [True, False, None, None, "it's"]),
        ("[[1, 2, 3, 4], [5, 6, 7", [[1, 2, 3, 4]]),
        ("[1, 2, 3, 45", [1, 2, 3]),  # a number cut by the end of text is not trusted
        ("{'a': [1, 2], 'b': 'unterminated", {"a": [1, 2]}),
        ("no brackets", None),
        ("[1 2]", None),
        ("[1, @, 2]", None),
        ("{'a' 1}", None),
        ("[" * 100 + "]" * 100, None),  # deeper than any answer needs
    ],
)
def test_tolerant_literal_reader(text: str, expected: object) -> None:
    assert loads_loose(text) == expected
