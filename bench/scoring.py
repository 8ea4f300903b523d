"""Field accuracy for the benchmarks: the corpus's scoring (tests/corpus/score.py), from bench/."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout: tests.corpus

from tests.corpus.score import token_f1

__all__ = ["token_f1"]
