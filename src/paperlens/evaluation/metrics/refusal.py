"""Refusal outcomes per question, written so that plain means over questions give the
set-level rates (precision is the mean over refused questions, recall over unanswerable ones).
"""

from __future__ import annotations


def refusal_metrics(refused: bool, answerable: bool) -> dict[str, float | None]:
    """Each question's contribution to the refusal rates; None where a rate does not count it."""
    return {
        "refusal_precision": float(not answerable) if refused else None,
        "refusal_recall": float(refused) if not answerable else None,
        "refusal_accuracy": float(refused != answerable),
        "false_refusal_rate": float(refused) if answerable else None,
    }
