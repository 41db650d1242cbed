"""Citation metrics that need no judge: marker validity, coverage, cited papers and support.

They read the answer engine's own bookkeeping (`Answer.sentences`, `invalid_citations`), so
they measure what a user sees, not what the model first wrote.
"""

from __future__ import annotations

from collections.abc import Collection

from paperlens.types import Answer


def cited_numbers(answer: Answer) -> set[int]:
    return {n for sentence in answer.sentences for n in sentence.citations}


def citation_validity(answer: Answer) -> float | None:
    """valid / (valid + invalid) distinct markers; None when the answer has none at all."""
    known = {citation.n for citation in answer.citations}
    valid = {n for n in cited_numbers(answer) if n in known}
    invalid = set(answer.invalid_citations) | (cited_numbers(answer) - known)
    total = len(valid) + len(invalid)
    return len(valid) / total if total else None


def sentence_citation_coverage(answer: Answer) -> float | None:
    """Share of answer sentences carrying at least one citation."""
    if not answer.sentences:
        return None
    return sum(bool(sentence.citations) for sentence in answer.sentences) / len(answer.sentences)


def cited_papers(answer: Answer) -> set[str]:
    """Papers behind the markers actually used in the text (not every listed source)."""
    used = cited_numbers(answer)
    return {citation.paper_id for citation in answer.citations if citation.n in used}


def cited_paper_precision(answer: Answer, gold: Collection[str]) -> float | None:
    """Share of cited papers that are gold; None without gold papers or citations."""
    cited = cited_papers(answer)
    if not gold or not cited:
        return None
    return len(cited & set(gold)) / len(cited)


def cited_paper_recall(answer: Answer, gold: Collection[str]) -> float | None:
    """Share of gold papers the answer cites; 0 when it cites nothing."""
    if not gold:
        return None
    return len(cited_papers(answer) & set(gold)) / len(set(gold))


def citation_support_rate(answer: Answer) -> float | None:
    """Share of cited sentences the answer engine judged supported by their sources."""
    cited = [sentence for sentence in answer.sentences if sentence.citations]
    if not cited:
        return None
    return sum(sentence.supported for sentence in cited) / len(cited)
