"""Aggregation helpers: means that skip undefined values, and percentiles."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def defined(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when no value is defined."""
    kept = defined(values)
    return sum(kept) / len(kept) if kept else None


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default) of the defined values."""
    kept = defined(values)
    return float(np.percentile(kept, q)) if kept else None
