"""`python -m bench.scope_cv`: the out-of-fold figures the gate's threshold and C are chosen by.

Never reads the blind set, the corpus's held-out split or the real messages' "test" half. Model 1 (the corpus
only): 5 folds of the corpus's training part, each fold's messages scored by a model trained on the other four
(TextModel.train, as served); the real messages' "dev" half (REAL_MESSAGES_TSV, as bench/classifier.py splits
it) scored by the model of the whole training part, which has not seen it. Model 2 (`--extra`): 5 folds of the
training part and the dev half together, each fold's corpus and dev messages scored by a model trained on the
other four folds of both. Printed per threshold: ours caught / kept away, real caught / kept away, the worst
margin to the aims (0.97 caught, 0.98 kept away), and the out-of-fold type accuracy of ours.

The folds are by a hash of the text (stable when messages are added). A message's features are computed once
(jieba is the slow part) and reused by every fold.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.classifier import REAL_MESSAGES, real_messages
from services.routing.domain import text_model
from services.routing.domain.corpus import BOARD_ENVIRONMENTAL, BOARD_MIXED, load_corpus, read_tsv, training_part
from services.routing.domain.lexicon import load_lexicon, normalise
from services.routing.domain.text_model import FeatureSpace, TextModel

FOLDS = 5
CAUGHT_AIM, KEPT_AIM = 0.97, 0.98


def fold_of(text: str) -> int:
    return hashlib.sha1(text.encode("utf-8")).digest()[1] % FOLDS


def _cache_features() -> None:
    original = FeatureSpace.features
    memo: dict[tuple[int, str], list[str]] = {}

    def features(self: FeatureSpace, text: str) -> list[str]:
        key = (id(self.options), text)
        if key not in memo:
            memo[key] = original(self, text)
        return list(memo[key])

    FeatureSpace.features = features  # type: ignore[method-assign]


def _share(hits: Sequence[bool]) -> float:
    return sum(hits) / len(hits) if hits else float("nan")


def run(extra: bool, thresholds: Sequence[float], show: float | None = None,
        only: frozenset[str] | None = None, unworded: Sequence[float] = (), corpus: Path | None = None) -> None:
    _cache_features()
    train = training_part(load_corpus(corpus) if corpus else load_corpus())
    path = os.environ.get(REAL_MESSAGES)
    dev = [(label, text) for label, text in real_messages(Path(path))["dev"] if label not in BOARD_MIXED] \
        if path and Path(path).is_file() else []
    ours: list[tuple[bool, str, float, str]] = []  # environmental?, type, P(env), predicted type
    texts: list[str] = []
    real: list[tuple[bool, float]] = []
    lexicon = load_lexicon()

    def worded(text: str) -> bool:  # a word of some type of the lexicon in the text
        return bool(lexicon.type_hits(normalise(text)))
    started = time.perf_counter()
    for fold in range(FOLDS):
        fit = [m for m in train if fold_of(m.text) != fold]
        scope_extra = [(text, label in BOARD_ENVIRONMENTAL) for label, text in dev if fold_of(text) != fold] \
            if extra else []
        model = TextModel.train(fit, scope_extra=scope_extra)
        for m in train:
            if fold_of(m.text) == fold and (only is None or m.text in only):
                found = model.predict(m.text)
                ours.append((m.environmental, m.category, found.environmental, found.category))
                texts.append(m.text)
        if extra:
            real += [(label in BOARD_ENVIRONMENTAL, model.predict(text).environmental)
                     for label, text in dev if fold_of(text) == fold]
    if dev and not extra:
        model = TextModel.train(train)
        real = [(label in BOARD_ENVIRONMENTAL, model.predict(text).environmental) for label, text in dev]
    types = _share([c == t for e, c, _, t in ours if e])
    print(f"{'model 2' if extra else 'model 1'}: {len(ours)} corpus messages out of fold, {len(real)} real dev "
          f"messages; SCOPE_C {text_model.SCOPE_C_WITH_EXTRA if extra else text_model.SCOPE_C} (x c); "
          f"type accuracy {types:.3f}; {time.perf_counter() - started:.0f} s")
    print("  threshold  ours caught  kept away   real caught  kept away   worst margin")
    for t in thresholds:
        figures = (_share([p >= t for e, _, p, _ in ours if e]), _share([p < t for e, _, p, _ in ours if not e]),
                   _share([p >= t for e, p in real if e]), _share([p < t for e, p in real if not e]))
        aims = (CAUGHT_AIM, KEPT_AIM, CAUGHT_AIM, KEPT_AIM)
        worst = min(f - a for f, a in zip(figures, aims, strict=True) if f == f)
        print(f"  {t:9.2f}  " + "  ".join(f"{f:10.3f}" for f in figures) + f"  {worst:+10.3f}")
    if unworded:  # a message with no word of any type must clear a higher threshold
        ours_w = [worded(text) for text in texts]
        real_w = [worded(text) for _, text in dev] if not extra else []
        print(f"  without a type word ({ours_w.count(False)} of ours, {real_w.count(False)} real): threshold")
        for t in thresholds:
            for u in unworded:
                def passes(p: float, w: bool, t: float = t, u: float = u) -> bool:
                    return p >= (t if w else max(t, u))
                figures = (_share([passes(p, w) for (e, _, p, _), w in zip(ours, ours_w, strict=True) if e]),
                           _share([not passes(p, w) for (e, _, p, _), w in zip(ours, ours_w, strict=True) if not e]),
                           _share([passes(p, w) for (e, p), w in zip(real, real_w, strict=False) if e]),
                           _share([not passes(p, w) for (e, p), w in zip(real, real_w, strict=False) if not e]))
                print(f"  {t:5.2f}/{u:.2f}  " + "  ".join(f"{f:10.3f}" for f in figures))
    if show is not None:  # the corpus's training part only: never the held-out split, dev or test text
        for (e, c, p, _), text in zip(ours, texts, strict=True):
            if (p >= show) != e:
                print(f"    {'missed' if e else 'passed'} {p:.2f} {c:10} {text[:80]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="store_true", help="model 2: the dev half also teaches the gate")
    parser.add_argument("--thresholds", default="0.25,0.3,0.35,0.4,0.45,0.5,0.55,0.6")
    parser.add_argument("--scope-c", type=float, help="the gate's C (times FeatureOptions.c) to try")
    parser.add_argument("--options", default="", help="FeatureOptions to try, e.g. words=0,char_ngrams=1-4")
    parser.add_argument("--only", help="score only the messages of these corpus files (comma-separated), "
                        "to compare corpora on the same messages")
    parser.add_argument("--unworded", help="thresholds to try for messages with no type word, e.g. 0.6,0.8")
    parser.add_argument("--corpus", type=Path, help="another corpus folder (to compare with an earlier corpus)")
    parser.add_argument("--show", type=float, help="list the corpus messages the gate gets wrong at this threshold")
    args = parser.parse_args()
    if args.scope_c:
        text_model.SCOPE_C = text_model.SCOPE_C_WITH_EXTRA = args.scope_c
    if args.options:
        defaults = text_model.FeatureOptions()
        changes = dict(pair.split("=") for pair in args.options.split(","))
        fields: dict[str, Any] = {
            name: tuple(int(n) for n in v.split("-")) if "-" in v else type(getattr(defaults, name))(float(v))
            for name, v in changes.items()}
        patched = replace(defaults, **fields)
        text_model.TextModel.train.__func__.__defaults__ = (patched, ())  # type: ignore[attr-defined]
    only = frozenset(m.text for name in args.only.split(",") for m in read_tsv(Path(name))) if args.only else None
    run(args.extra, [float(t) for t in args.thresholds.split(",")], args.show, only,
        [float(u) for u in args.unworded.split(",")] if args.unworded else [], args.corpus)


if __name__ == "__main__":
    main()
