"""`python -m bench.fresh_eval`: routing's classifier on the blind evaluation set (bench/data/fresh_eval.tsv).

The set was written on 2026-12-01 by someone who had seen neither the training corpus nor the classifier's
results (bench/data/README.md says how), so it measures what the held-out split, which earlier work looked
at while choosing features, no longer can. It is only reported: never trained on, never tuned on. The same
figures as the held-out split's, with the model in use (`bench.classifier` reports both models on it).
"""

from __future__ import annotations

from pathlib import Path

from bench.classifier import confusion, evaluate_own, share
from services.routing.domain.corpus import read_tsv

FRESH = Path(__file__).parent / "data" / "fresh_eval.tsv"


def main() -> None:
    messages = read_tsv(FRESH)
    r = evaluate_own(messages)
    print(f"  blind set, written apart (bench/data/fresh_eval.tsv, n={len(messages)}, never trained or tuned on):")
    print(f"    type accuracy (environmental):       {share(r.type_hits)}   aim >= 0.95")
    print(f"    type+subtype accuracy:               {share(r.subtype_hits)}")
    print(f"    department accuracy (all, triage for out of scope): {share(r.department_hits)}   aim >= 0.90")
    print(f"    out-of-scope kept away:              {share(r.kept_away)}   aim >= 0.98")
    print(f"    environmental caught:                {share(r.caught)}   aim >= 0.97")
    print(f"    urgency agrees with the label:       {share(r.urgency_hits)}")
    print(f"    town from the text agrees:           {share(r.town_hits)}")
    confusion(r.pairs)


if __name__ == "__main__":
    main()
