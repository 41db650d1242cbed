"""Finding a paper the way a person names it: its id, the start of its id, or its title (whole or
in part). Ambiguous names are rejected with the candidates, never guessed."""

from __future__ import annotations

from collections.abc import Mapping

from paperlens.errors import PaperNotFoundError
from paperlens.text import words
from paperlens.types import Paper

MIN_PREFIX = 4  # shorter id prefixes match too many papers to be meant as ids
SHOWN = 5


def normalized(text: str) -> str:
    return " ".join(words(text))


def candidates(papers: Mapping[str, Paper], name: str) -> list[Paper]:
    """The papers `name` may mean, by the most exact rule that matches any."""
    key = name.strip().lower()
    if len(key) >= MIN_PREFIX and (by_id := [p for p in papers.values() if p.paper_id.startswith(key)]):
        return by_id
    title = normalized(name)
    if not title:
        return []
    if exact := [p for p in papers.values() if normalized(p.title) == title]:
        return exact
    wanted = title.split()  # every word, as the start of a title word ('megatron' finds 'Megatron-LM')
    return [p for p in papers.values() if all(starts_a_word(w, normalized(p.title)) for w in wanted)]


def starts_a_word(word: str, title: str) -> bool:
    return any(part.startswith(word) for part in title.replace("-", " ").split())


def find_paper(papers: Mapping[str, Paper], name: str) -> Paper:
    """The one paper `name` refers to; PaperNotFoundError says why there is not exactly one."""
    if name in papers:
        return papers[name]
    found = sorted(candidates(papers, name), key=lambda p: p.title.lower())
    if len(found) == 1:
        return found[0]
    if not found:
        raise PaperNotFoundError(
            f"No paper with id or title {name!r}. List the papers with `paperlens papers`, "
            "or find one with `paperlens search`."
        )
    listed = "; ".join(f"{p.paper_id} {p.title}" for p in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    raise PaperNotFoundError(
        f"{name!r} matches {len(found)} papers: {listed}{more}. Give more of the title or the id."
    )
