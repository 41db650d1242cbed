"""Citation recall and precision in the manner of ALCE (Gao et al., 2023, "Enabling Large
Language Models to Generate Text with Citations").

- A sentence's citation recall is 1 when the concatenation of its cited passages entails it,
  else 0 (a sentence without citations scores 0).
- A citation is *irrelevant* when it alone does not entail the sentence and the sentence's
  other citations still entail it without it. Citation precision is the share of citations
  that are not irrelevant, where every citation of a sentence its citations do not entail
  counts as imprecise, as in ALCE's reference implementation.

Entailment is a callback, so the arithmetic is tested with an oracle and the judge is only
plugged in at run time. The callback may answer None (undetermined): such a sentence is left
out of recall and its citations out of precision, rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# entails(sentence_index, cited_numbers) -> True / False / None (undetermined)
Entails = Callable[[int, frozenset[int]], bool | None]


@dataclass(frozen=True)
class AlceScores:
    recall: float | None
    precision: float | None
    undetermined: int


@dataclass
class Tally:
    supported: int = 0
    judged_sentences: int = 0
    precise: int = 0
    judged_citations: int = 0
    undetermined: int = 0


def citation_is_precise(index: int, cites: frozenset[int], n: int, entails: Entails) -> bool | None:
    """A citation of a supported multi-citation sentence is precise unless it is irrelevant."""
    alone = entails(index, frozenset({n}))
    if alone is None:
        return None
    if alone:
        return True
    rest = entails(index, cites - {n})
    return None if rest is None else not rest


def tally_sentence(index: int, cites: frozenset[int], entails: Entails, tally: Tally) -> None:
    joint = entails(index, cites) if cites else False
    if joint is None:
        tally.undetermined += 1
        return
    tally.judged_sentences += 1
    tally.supported += joint
    if not joint or len(cites) == 1:
        tally.judged_citations += len(cites)
        tally.precise += len(cites) if joint else 0
        return
    for n in sorted(cites):
        precise = citation_is_precise(index, cites, n, entails)
        if precise is None:
            tally.undetermined += 1
            continue
        tally.judged_citations += 1
        tally.precise += precise


def alce_scores(citations: Sequence[Sequence[int]], entails: Entails) -> AlceScores:
    """Recall and precision of one answer, given each sentence's citation numbers."""
    tally = Tally()
    for index, cites in enumerate(citations):
        tally_sentence(index, frozenset(cites), entails, tally)
    recall = tally.supported / tally.judged_sentences if tally.judged_sentences else None
    precision = tally.precise / tally.judged_citations if tally.judged_citations else None
    return AlceScores(recall=recall, precision=precision, undetermined=tally.undetermined)
