"""`python -m bench.fresh_eval`: routing's classifier on the blind evaluation set (bench/data/fresh_eval.tsv).

The set was written on 2026-12-01 by someone who had seen neither the training corpus nor the classifier's
results (bench/data/README.md says how), so it measures what the held-out split, which earlier work looked
at while choosing features, no longer can. It is only reported: never trained on, never tuned on. The same
figures as the held-out split's, with the model in use (`bench.classifier` reports both models on it).
"""

from __future__ import annotations

from pathlib import Path

from bench.classifier import report_own
from services.routing.domain.corpus import read_tsv

FRESH = Path(__file__).parent / "data" / "fresh_eval.tsv"


def main() -> None:
    report_own(read_tsv(FRESH), "blind set, written apart (bench/data/fresh_eval.tsv; never tuned on)")


if __name__ == "__main__":
    main()
