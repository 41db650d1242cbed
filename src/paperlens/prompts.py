"""Prompt templates live as files in `prompts/` (`<name>.md`), one per job.

They are loaded and checked at start-up: a missing file, a missing required variable or an
unknown variable fails right away with the file name, not halfway through a conversation.
Variables are written `{name}`; a literal brace is `{{` or `}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from string import Formatter

from paperlens.errors import PromptError


class PromptLibrary:
    def __init__(self, templates: dict[str, str], directory: Path) -> None:
        self.templates, self.directory = templates, directory

    @classmethod
    def load(cls, directory: Path, required: Mapping[str, set[str]]) -> PromptLibrary:
        """Load `required` prompts (name -> the variables each must use) from `directory`."""
        templates = {}
        for name, variables in required.items():
            path = directory / f"{name}.md"
            if not path.is_file():
                raise PromptError(f"Prompt file {path} is missing; restore it from the repository.")
            text = path.read_text(encoding="utf-8").strip()
            try:
                found = {field for _, field, _, _ in Formatter().parse(text) if field is not None}
            except ValueError as error:
                raise PromptError(f"Prompt file {path} is malformed: {error}.") from None
            if missing := variables - found:
                raise PromptError(
                    f"Prompt file {path} lacks the variable(s) {', '.join(sorted(missing))}; "
                    f"it must use {', '.join('{' + v + '}' for v in sorted(variables)) or 'none'}."
                )
            if unknown := found - variables:
                raise PromptError(
                    f"Prompt file {path} uses unknown variable(s) {', '.join(sorted(unknown))}; "
                    "write literal braces as {{ and }}."
                )
            templates[name] = text
        return cls(templates, directory)

    def render(self, name: str, **values: str) -> str:
        if name not in self.templates:
            raise PromptError(f"No prompt named {name!r} was loaded from {self.directory}.")
        return self.templates[name].format(**values)
