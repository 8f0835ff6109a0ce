"""The statistical part of the classifier (统计模型): TF-IDF features and three logistic regressions.

Features of a message (its first `max_chars` characters, where citizens name the problem):
character 1-3-grams (robust to typos and dialect: 躁音, 餐官), jieba words (`w:打桩`), and the
lexicon's verdicts as tokens (`L:noise`, `L:noise/construction`, `B:hrss`), so the model learns how
far to trust each rule. TF-IDF with sublinear term frequency, L2-normalised.

Models (scikit-learn, trained at first use from the corpus in the repo, deterministically: newton-cg,
no random state involved):
- scope: environmental or not (环境问题 / 非环境问题), binary; optionally also taught by real messages
  of another city's board that carry no type (`scope_extra`; routing reads them from the file
  ROUTING_REAL_MESSAGES_TSV names). Our corpus is short and written here; real messages are long and
  varied, and a gate that has seen only ours lets too many of them through (bench/classifier.py);
- type: the nine types, trained on the environmental messages;
- subtype: `type/subtype` labels, read within the chosen type.

Prediction does not go through scikit-learn: the vocabulary, IDF and coefficients are copied into
arrays once, the four models' weights stacked into one matrix, and a message is scored with one
sparse dot product for all of them. The same TF-IDF vector as `TfidfVectorizer.transform` makes,
many times faster for one message at a time, which is how complaints arrive. What is left is Python
(the n-grams, the words, the explanation); the features are looked up in the vocabulary and counted by
`filter`, `map` and `Counter` in C, and softmaxes over a handful of classes are plain Python, as
numpy's per-call cost was most of their time.

Calibration: the type and subtype regressions' raw probabilities are far too timid (balanced class
weights and regularisation on a small corpus): type and subtype were right 82% of the time when the
classifier said 0.2, so routing's confidence gate sent most correct decisions to triage. Their scores
are multiplied by a temperature fitted once for the least log loss on out-of-fold predictions (5 folds
of the training part only, never the held-out split). `Prediction` carries both: the calibrated
figures and the raw, cautious ones; the classifier says which it believes (classifier.py).

A fitted model is plain arrays and names (`to_arrays` / `from_arrays`): the served process keeps it
on disk (adapters/model_cache.py) and does not train at start-up.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from services.routing.domain.corpus import LabelledMessage, ScopeExample, load_corpus, training_part
from services.routing.domain.lexicon import Lexicon, Segmenter, load_lexicon, normalise, segmenter

Array = np.ndarray

# Temperatures (see the module's docstring): scores are multiplied by these before the softmax.
TYPE_TEMPERATURE = 3.75
SUBTYPE_TEMPERATURE = 3.0

# The gate: P(environmental) from which a message is environmental, and the scope model's C (times
# FeatureOptions.c). Chosen out of fold (`python -m bench.scope_cv`: 5 folds of the corpus's training part by a
# hash of the text, 2,751 messages since issue 8's second round; the real messages' "dev" half scored by the
# model of the whole training part; never the held-out split, the "test" half or the blind set): among the
# thresholds whose worst margin to the four aims (ours and the real ones caught >= 0.97, kept away >= 0.98) is
# within one real message of the best, the highest at which ours caught stays above 0.97. At 0.44: ours caught
# 0.971, kept away 0.961; real caught 0.933, kept away 0.994 (0.35 caught one real message more, 0.944, but
# kept 0.947 of ours away). Scope C 100 (the others' 10): C 30 kept fewer away, C 300 and 1000 no more at one catch.
ENVIRONMENTAL_FROM = 0.44
SCOPE_C = 10.0
# The same for a scope model also taught by real messages of another city (TextModel.train's scope_extra),
# cross-validated over the corpus's training part and the "dev" half together (`bench.scope_cv --extra`: the
# dev messages of a fold out of its training; 2,745 corpus messages). At 0.42: ours caught 0.972, kept away
# 0.954; real caught 0.933, kept away 0.995 (0.45: ours caught 0.970, real 0.921).
ENVIRONMENTAL_FROM_WITH_EXTRA = 0.42
SCOPE_C_WITH_EXTRA = 10.0


@dataclass(frozen=True)
class FeatureOptions:
    """What the model reads. The defaults are the measured best (see bench/classifier.py)."""
    char_ngrams: tuple[int, int] = (1, 3)
    words: bool = True
    lexicon: bool = True
    max_chars: int = 300
    word_chars: int = 100  # jieba reads the opening only: the slowest step, and the words add little later
    c: float = 10.0  # inverse regularisation of every regression


class FeatureSpace:
    def __init__(self, options: FeatureOptions, lexicon: Lexicon, words: Segmenter) -> None:
        self.options = options
        self.lexicon = lexicon
        self.segmenter = words

    def features(self, text: str) -> list[str]:
        text = normalise(text)[: self.options.max_chars]
        low, high = self.options.char_ngrams
        found = [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
        if self.options.words:
            found += map("w:".__add__, self.segmenter.words(text[: self.options.word_chars]))
        if self.options.lexicon:
            for hit in self.lexicon.type_hits(text):
                found.append(f"L:{hit.category}")
                if hit.subcategory:
                    found.append(f"L:{hit.category}/{hit.subcategory}")
            found += [f"B:{hit.body}" for hit in self.lexicon.body_hits(text)]
        return found


@dataclass(frozen=True)
class Linear:
    """A fitted logistic regression as arrays: class labels, weights (classes x features), biases, and
    the temperature its scores are multiplied by (calibration)."""
    labels: tuple[str, ...]
    weights: Array
    bias: Array
    temperature: float = 1.0

    @classmethod
    def fit(cls, x: object, labels: Sequence[str], c: float, temperature: float = 1.0,
            weights: Array | None = None) -> Linear:
        """Balanced classes, or the given weight per sample."""
        from sklearn.linear_model import LogisticRegression  # training only: a loaded model never imports it

        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if weights is None else None,
                                   solver="newton-cg")
        model.fit(x, list(labels), sample_weight=weights)
        weights, bias = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # binary: one row for the second class; make it two
            weights, bias = np.vstack([-weights, weights]) / 2, np.concatenate([-bias, bias]) / 2
        return cls(tuple(str(label) for label in model.classes_), np.asarray(weights, dtype=np.float64),
                   np.asarray(bias, dtype=np.float64), temperature)

    def softmax(self, scores: Array, calibrated: bool = True) -> list[float]:
        """Probabilities from this model's scores (`weights[:, index] @ values + bias`): calibrated, or
        the regression's own. Plain Python: for a handful of classes numpy's per-call cost is most of it."""
        scale = self.temperature if calibrated else 1.0
        scaled = [score * scale for score in scores.tolist()]
        top = max(scaled)
        exps = [math.exp(score - top) for score in scaled]
        total = sum(exps)
        return [e / total for e in exps]

    @cached_property
    def _centred(self) -> Array:
        """Each class's weights less the classes' mean, per feature."""
        return np.asarray(self.weights - self.weights.mean(axis=0))

    def contributions(self, label: str, index: Array, values: Array) -> Array:
        """How much each feature pushed towards `label` rather than the average class."""
        return np.asarray(self._centred[self.labels.index(label), index] * values)


@dataclass(frozen=True)
class Prediction:
    environmental: float  # P(environmental)
    types: dict[str, float]  # P(type | environmental), calibrated
    subtypes: dict[str, float]  # P(subtype | type), calibrated, for the most likely type; may be empty
    bodies: dict[str, float]  # P(body | out of scope)
    type_features: tuple[str, ...]  # what decided the type, strongest first
    scope_features: tuple[str, ...]  # what decided environmental or not, strongest first
    raw_types: dict[str, float] = field(default_factory=dict)  # the same before calibration (cautious)
    raw_subtypes: dict[str, float] = field(default_factory=dict)
    environmental_from: float = ENVIRONMENTAL_FROM  # the threshold of the model that made it

    @property
    def in_scope(self) -> bool:
        return self.environmental >= self.environmental_from

    @property
    def category(self) -> str:
        return max(self.types, key=lambda k: self.types[k])


MODELS = ("scope", "type", "subtype", "body")


def _vocabulary(corpus: Sequence[list[str]], extra: Sequence[list[str]]) -> set[str]:
    """Every feature of the corpus; of the extra text, those in two messages or more (its long messages
    would add a hundred thousand one-off n-grams: a bigger model, nothing learnt)."""
    seen = Counter(f for found in extra for f in set(found))
    return {f for found in corpus for f in found} | {f for f, n in seen.items() if n >= 2}


def _source_weights(environmental: Sequence[bool], corpus_size: int) -> Array:
    """Sample weights giving each (source, class) cell the same total weight."""
    cells = [(i >= corpus_size, e) for i, e in enumerate(environmental)]
    sizes = Counter(cells)
    return np.array([len(cells) / (len(sizes) * sizes[cell]) for cell in cells], dtype=np.float64)


@dataclass
class TextModel:
    space: FeatureSpace
    vocabulary: dict[str, int]
    idf: Array
    names: list[str]
    scope: Linear
    type: Linear
    subtype: Linear
    body: Linear  # for out-of-scope messages: which body they belong to (人社, 住建 ...)
    trained_on: int = 0
    environmental_from: float = ENVIRONMENTAL_FROM  # P(environmental) from which a message is in scope

    @classmethod
    def train(cls, messages: Sequence[LabelledMessage], options: FeatureOptions = FeatureOptions(),
              scope_extra: Sequence[ScopeExample] = ()) -> TextModel:
        """Fitted on `messages`. `scope_extra`: (text, environmental?) pairs without a type, such as
        real messages of another city's board; they teach the scope model only. Each source then weighs
        as much as the other in it, each class within a source as much as the other (the corpus is
        ours, the extra text is how real citizens write), and the scope threshold is the one measured
        for that mix (ENVIRONMENTAL_FROM_WITH_EXTRA)."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # seconds to import; training only

        space = FeatureSpace(options, load_lexicon(), segmenter())
        texts = [m.text for m in messages] + [text for text, _ in scope_extra]
        features = [space.features(text) for text in texts]  # once: the slowest step of training
        vocabulary = sorted(_vocabulary(features[: len(messages)], features[len(messages):]))
        vectorizer = TfidfVectorizer(analyzer=lambda found: found, sublinear_tf=True, lowercase=False,
                                     vocabulary={name: column for column, name in enumerate(vocabulary)})
        x_all = vectorizer.fit_transform(features)
        x = x_all[: len(messages)]
        env = [i for i, m in enumerate(messages) if m.environmental]
        with_sub = [i for i in env if messages[i].subcategory]
        in_scope = [m.environmental for m in messages] + [environmental for _, environmental in scope_extra]
        scope = Linear.fit(x_all, ["env" if e else "out" for e in in_scope],
                           options.c * (SCOPE_C_WITH_EXTRA if scope_extra else SCOPE_C),
                           weights=_source_weights(in_scope, len(messages)) if scope_extra else None)
        kind = Linear.fit(x[env], [messages[i].category for i in env], options.c, TYPE_TEMPERATURE)
        sub = Linear.fit(x[with_sub], [f"{messages[i].category}/{messages[i].subcategory}" for i in with_sub],
                         options.c, SUBTYPE_TEMPERATURE)
        out = [i for i, m in enumerate(messages) if not m.environmental and m.subcategory]
        body = Linear.fit(x[out], [messages[i].subcategory or "" for i in out], options.c)
        return cls(space, {name: column for column, name in enumerate(vocabulary)},
                   np.asarray(vectorizer.idf_, dtype=np.float64), vocabulary, scope, kind, sub, body,
                   len(messages) + len(scope_extra),
                   ENVIRONMENTAL_FROM_WITH_EXTRA if scope_extra else ENVIRONMENTAL_FROM)

    def to_arrays(self) -> tuple[dict[str, object], dict[str, Array]]:
        """The fitted model as JSON-able facts and plain numeric arrays (no Python objects), to store it."""
        facts: dict[str, object] = {"names": self.names, "trained_on": self.trained_on,
                                    "environmental_from": self.environmental_from,
                                    "options": asdict(self.space.options)}
        arrays = {"idf": self.idf}
        for name in MODELS:
            model: Linear = getattr(self, name)
            facts[name] = {"labels": list(model.labels), "temperature": model.temperature}
            arrays[f"{name}.weights"], arrays[f"{name}.bias"] = model.weights, model.bias
        return facts, arrays

    @classmethod
    def from_arrays(cls, facts: dict[str, Any], arrays: dict[str, Array]) -> TextModel:
        """The model `to_arrays` described; fails (ValueError, KeyError, TypeError) on anything inconsistent."""
        names = [str(n) for n in facts["names"]]
        options = facts["options"]
        options["char_ngrams"] = tuple(options["char_ngrams"])
        linear = {}
        for name in MODELS:
            weights, bias = arrays[f"{name}.weights"], arrays[f"{name}.bias"]
            labels = tuple(str(label) for label in facts[name]["labels"])
            if weights.shape != (len(labels), len(names)) or bias.shape != (len(labels),):
                raise ValueError(f"stored model {name}: shapes {weights.shape} {bias.shape} do not fit")
            linear[name] = Linear(labels, np.asarray(weights, dtype=np.float64), np.asarray(bias, dtype=np.float64),
                                  float(facts[name]["temperature"]))
        idf = np.asarray(arrays["idf"], dtype=np.float64)
        if idf.shape != (len(names),):
            raise ValueError("stored model: the IDF does not fit the vocabulary")
        return cls(FeatureSpace(FeatureOptions(**options), load_lexicon(), segmenter()),
                   {name: column for column, name in enumerate(names)}, idf, names, linear["scope"],
                   linear["type"], linear["subtype"], linear["body"], int(facts["trained_on"]),
                   float(facts["environmental_from"]))

    @cached_property
    def _stacked(self) -> tuple[Array, Array, dict[str, slice]]:
        """The four models' weights in one matrix, so one gather and one product score a message."""
        rows: dict[str, slice] = {}
        at = 0
        for name in MODELS:
            size = len(getattr(self, name).labels)
            rows[name], at = slice(at, at + size), at + size
        weights = np.ascontiguousarray(np.vstack([getattr(self, name).weights for name in MODELS]).T)
        return weights, np.concatenate([getattr(self, name).bias for name in MODELS]), rows

    def _scores(self, index: Array, values: Array) -> dict[str, Array]:
        weights, bias, rows = self._stacked
        scores = values @ weights[index] + bias  # features x models, rows gathered: contiguous reads
        return {name: scores[part] for name, part in rows.items()}

    @cached_property
    def _explainable(self) -> Array:
        """Per feature: may it be named to a dispatcher? Words (w:) and the lexicon's words of two or
        more characters; a bare character n-gram (音很大) means nothing to a reader."""
        words = self.lexicon_words
        return np.fromiter(((name.startswith("w:") or name in words) and len(name.removeprefix("w:")) >= 2
                            for name in self.names), dtype=bool, count=len(self.names))

    @cached_property
    def lexicon_words(self) -> frozenset[str]:
        lexicon = self.space.lexicon
        return frozenset([w for words in lexicon.types.values() for w in words]
                         + [w for words in lexicon.signals.values() for w in words])

    def vector(self, text: str) -> tuple[Array, Array]:
        """The TF-IDF vector of a text as (feature indices, values), as the vectorizer makes it."""
        vocabulary = self.vocabulary
        # the known features, counted in the order first seen (equal contributions are explained in that
        # order), by `filter` and `map` in C: a comprehension of dict.get was a fifth of the time
        counts = Counter(filter(vocabulary.__contains__, self.space.features(text)))
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        index = np.fromiter(map(vocabulary.__getitem__, counts), dtype=np.int64, count=len(counts))
        ns = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(ns)) * self.idf[index]
        norm = float(np.sqrt(values @ values))
        return index, (values / norm if norm else values)

    def _explain(self, model: Linear, label: str, index: Array, values: Array, top: int = 6) -> tuple[str, ...]:
        keep = self._explainable[index]
        index, values = index[keep], values[keep]
        contributions = model.contributions(label, index, values)
        pushed, columns = contributions.tolist(), index.tolist()  # plain lists: numpy scalars are slow
        shown: list[str] = []
        for position in np.argsort(-contributions).tolist():
            if pushed[position] <= 0 or len(shown) >= top:
                break
            # the lexicon's verdicts are explained by their words, so only words are named
            word = self.names[columns[position]].removeprefix("w:")
            if any(word in seen for seen in shown):
                continue
            shown = [seen for seen in shown if seen not in word] + [word]
        return tuple(shown)

    @cached_property
    def _subtype_rows(self) -> dict[str, tuple[tuple[str, ...], Array]]:
        """Per type: its subtypes' names and their rows in the subtype model."""
        rows: dict[str, list[tuple[str, int]]] = {}
        for row, label in enumerate(self.subtype.labels):
            category, sub = label.split("/", 1)
            rows.setdefault(category, []).append((sub, row))
        return {category: (tuple(sub for sub, _ in subs), np.array([row for _, row in subs], dtype=np.int64))
                for category, subs in rows.items()}

    def _within(self, subtype_scores: Array, category: str, calibrated: bool) -> dict[str, float]:
        """P(subtype | type): the softmax over that type's subtypes alone (the same as the softmax over
        all of them renormalised within the type)."""
        if category not in self._subtype_rows:
            return {}
        names, rows = self._subtype_rows[category]
        return dict(zip(names, self.subtype.softmax(subtype_scores[rows], calibrated), strict=True))

    def predict(self, text: str) -> Prediction:
        index, values = self.vector(text)
        scores = self._scores(index, values)
        scope = self.scope.softmax(scores["scope"])
        environmental = float(scope[self.scope.labels.index("env")])
        types, raw_types = (dict(zip(self.type.labels, self.type.softmax(scores["type"], calibrated), strict=True))
                            for calibrated in (True, False))
        category = max(types, key=lambda k: types[k])
        subtypes, raw_subtypes = (self._within(scores["subtype"], category, calibrated) for calibrated in (True, False))
        bodies = dict(zip(self.body.labels, self.body.softmax(scores["body"]), strict=True))
        # only the explanation a dispatcher will read: the type's, or why it is out of scope
        if environmental >= self.environmental_from:
            return Prediction(environmental, types, subtypes, bodies,
                              self._explain(self.type, category, index, values), (), raw_types, raw_subtypes,
                              self.environmental_from)
        return Prediction(environmental, types, subtypes, bodies, (), self._explain(self.scope, "out", index, values),
                          raw_types, raw_subtypes, self.environmental_from)

    def subtypes_within(self, text: str, category: str) -> tuple[dict[str, float], dict[str, float]]:
        """P(subtype | the given type), calibrated and raw, for a type the citizen chose (one vector)."""
        index, values = self.vector(text)
        scores = self.subtype.weights[:, index] @ values + self.subtype.bias
        return self._within(scores, category, True), self._within(scores, category, False)


_model: TextModel | None = None
_model_lock = threading.Lock()


def default_model() -> TextModel:
    """The model of this process: the one `use_model` installed (the served process loads it from its
    cache at start-up), else trained once at first use on the corpus's training part (a few seconds:
    jieba's dictionary, then four small regressions)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = TextModel.train(training_part(load_corpus()))
    return _model


def use_model(model: TextModel) -> None:
    """Make `model` the process's model (classify reads it from then on)."""
    global _model
    with _model_lock:
        _model = model
