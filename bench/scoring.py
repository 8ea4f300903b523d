"""Field accuracy for the benchmarks: body text against the fixture's own text."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"\w+")


def token_f1(got: str, want: str) -> float:
    """F1 of the two texts' word multisets (case-insensitive): 1.0 when they hold the same words."""
    a, b = Counter(_WORD.findall(got.lower())), Counter(_WORD.findall(want.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)
