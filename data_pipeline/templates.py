"""Prompt templates: Jinja files, built-in (data_pipeline/prompts/NAME.jinja) or a user's own path.

A template renders the text of the user turn; the step puts the image(s) before it. Undefined
variables are errors, so a typo in a template fails on the first sample instead of sending prompts
with holes. The template's digest (its source text) is part of every journal key, which is how an
edited prompt re-runs exactly the step that uses it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

PROMPTS = resources.files("data_pipeline").joinpath("prompts")


class TemplateError(ValueError):
    pass


def builtin_template_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".jinja") for entry in PROMPTS.iterdir() if entry.name.endswith(".jinja")
    )


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    source: str
    _compiled: jinja2.Template

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()

    def render(self, **variables: Any) -> str:
        try:
            return self._compiled.render(**variables).strip()
        except jinja2.UndefinedError as error:
            raise TemplateError(f"prompt template {self.name}: {error.message}") from error


_ENVIRONMENT = jinja2.Environment(
    undefined=jinja2.StrictUndefined, keep_trailing_newline=False, autoescape=False
)


def load_template(name_or_path: str) -> PromptTemplate:
    """A built-in template by name (e.g. `reasoning`) or a `.jinja` file path."""
    if name_or_path in builtin_template_names():
        source = PROMPTS.joinpath(f"{name_or_path}.jinja").read_text()
        name = name_or_path
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise TemplateError(
                f"prompt template {name_or_path!r}: not a built-in ({', '.join(builtin_template_names())}) "
                "and not a file"
            )
        source, name = path.read_text(), str(path)
    try:
        compiled = _ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"prompt template {name}, line {error.lineno}: {error.message}") from error
    return PromptTemplate(name, source, compiled)
