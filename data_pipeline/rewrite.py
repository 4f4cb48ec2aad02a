"""The rewrite rule table: description-referring wording becomes image wording.

The reasoner only ever saw a text description, so its thinking says "the description says ...". In
the SFT set the model sees the image itself, so such phrases are rewritten. Rules apply in table
order (specific before general); a match that starts with a capital keeps its capital. Every rule
carries an example that the tests check against the whole table, and the README lists the table.
Whatever still mentions a description afterwards is rejected by the `description_reference` filter.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_DESC = r"(?:given |provided |above |image )?(?:detailed )?description"


@dataclass(frozen=True)
class Rule:
    """`needles`: lowercase words of which every match contains one; a text holding none of them skips
    the regex (most of a long chain of thought matches no rule, so this keeps step 4 cheap)."""

    id: str
    needles: tuple[str, ...]
    pattern: str
    replacement: str
    before: str
    after: str

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE)


RULES: tuple[Rule, ...] = (
    Rule(
        "according_to",
        ("description",),
        rf"\baccording to the {_DESC}\b",
        "according to the image",
        "According to the description, there are 3 apples.",
        "According to the image, there are 3 apples.",
    ),
    Rule(
        "as_described_in",
        ("description",),
        rf"\bas (?:described|mentioned|stated|noted|given) in the {_DESC}\b",
        "as shown in the image",
        "The bars are blue, as stated in the description.",
        "The bars are blue, as shown in the image.",
    ),
    Rule(
        "based_on",
        ("description",),
        rf"\b(based on|from|in|following|given) the {_DESC}(?: (?:provided|given|above))?\b",
        r"\1 the image",
        "Based on the provided description above, the angle is 30°.",
        "Based on the image, the angle is 30°.",
    ),
    Rule(
        "description_verb",
        ("description",),
        rf"\bthe {_DESC} (?:says|states|mentions|notes|indicates|describes|shows|specifies|tells us)\b",
        "the image shows",
        "The description says the bar reaches 5.",
        "The image shows the bar reaches 5.",
    ),
    Rule(
        "description_negated",
        ("description",),
        rf"\bthe {_DESC} (doesn't|does not) (?:say|mention|state|specify|indicate)\b",
        r"the image \1 show",
        "The description doesn't mention a scale.",
        "The image doesn't show a scale.",
    ),
    Rule(
        "reread",
        ("description",),
        rf"\b(?:re-?read|go back to|revisit|look back at) the {_DESC}(?: again)?\b",
        "look at the image again",
        "Let me reread the description again.",
        "Let me look at the image again.",
    ),
    Rule(
        "the_description",
        ("description",),
        rf"\bthe {_DESC}\b",
        "the image",
        "Nothing in the description suggests a tilt, so the description fits.",
        "Nothing in the image suggests a tilt, so the image fits.",
    ),
    Rule(
        "the_caption",
        ("caption",),
        r"\bthe (?:given |provided )?caption\b",
        "the image",
        "The caption shows a cat.",
        "The image shows a cat.",
    ),
    Rule(
        "as_described",
        ("described", "stated"),
        r"\bas (?:described|stated)\b",
        "as shown",
        "The triangle is isosceles, as described.",
        "The triangle is isosceles, as shown.",
    ),
    Rule(
        "described_as",
        ("described", "mentioned"),
        r"\b(?:described|mentioned) (as|in the image)\b",
        r"shown \1",
        "The shape is described as a square mentioned in the image.",
        "The shape is shown as a square shown in the image.",
    ),
    Rule(
        "image_says",
        ("the image",),
        r"\bthe image (?:says|states|mentions|tells us|notes)\b",
        "the image shows",
        "The image mentions two cars.",
        "The image shows two cars.",
    ),
    Rule(
        "doubled_verb",
        ("the image",),
        r"\bthe image (?:shows|depicts|displays) (illustrates|shows|depicts|displays|contains|presents)\b",
        r"the image \1",
        "The image shows illustrates a bar chart.",
        "The image illustrates a bar chart.",
    ),
)

_COMPILED = tuple((rule, rule.regex) for rule in RULES)


def _keep_case(match: re.Match[str], replacement: str) -> str:
    text = match.expand(replacement)
    if match.group(0)[:1].isupper() and text:
        return text[0].upper() + text[1:]
    return text


def rewrite_description_wording(text: str) -> tuple[str, Counter[str]]:
    """Apply the table in order; returns the new text and how often each rule fired."""
    fired: Counter[str] = Counter()
    for rule, regex in _COMPILED:
        lowered = text.lower()
        if not any(needle in lowered for needle in rule.needles):
            continue
        text, count = regex.subn(lambda match, r=rule: _keep_case(match, r.replacement), text)
        if count:
            fired[rule.id] += count
    return text, fired


# What the `description_reference` filter still rejects after rewriting.
RESIDUAL_REFERENCE = re.compile(r"\b(?:descriptions?|captions?|described)\b", re.IGNORECASE)
