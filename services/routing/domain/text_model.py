"""The statistical part of the classifier (统计模型): TF-IDF features and three logistic regressions.

Features of a message (its first `max_chars` characters, where citizens name the problem):
character 1-3-grams (robust to typos and dialect: 躁音, 餐官), jieba words (`w:打桩`), and the
lexicon's verdicts as tokens (`L:noise`, `L:noise/construction`, `B:hrss`), so the model learns how
far to trust each rule. TF-IDF with sublinear term frequency, L2-normalised.

Models (scikit-learn, trained at first use from the corpus in the repo, deterministically: lbfgs,
no random state involved):
- scope: environmental or not (环境问题 / 非环境问题), binary;
- type: the nine types, trained on the environmental messages;
- subtype: `type/subtype` labels, read within the chosen type.

Prediction does not go through scikit-learn: the vocabulary, IDF and coefficients are copied into
arrays once, the four models' weights stacked into one matrix, and a message is scored with one
sparse dot product for all of them. The same TF-IDF vector as `TfidfVectorizer.transform` makes,
many times faster for one message at a time, which is how complaints arrive.

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

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from services.routing.domain.corpus import LabelledMessage, load_corpus, training_part
from services.routing.domain.lexicon import Lexicon, Segmenter, load_lexicon, normalise, segmenter

Array = np.ndarray

# Temperatures (see the module's docstring): scores are multiplied by these before the softmax.
TYPE_TEMPERATURE = 3.75
SUBTYPE_TEMPERATURE = 3.0

# P(environmental) from which a message is environmental. Chosen on the tipdm "dev" half only (the
# "test" half is reported, never tuned on): 0.35 balances catching environmental complaints against
# keeping other matters away from the departments (bench/classifier.py prints both).
ENVIRONMENTAL_FROM = 0.35


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
            found += ["w:" + w for w in self.segmenter.words(text[: self.options.word_chars])]
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
    def fit(cls, x: object, labels: Sequence[str], c: float, temperature: float = 1.0) -> Linear:
        from sklearn.linear_model import LogisticRegression  # training only: a loaded model never imports it

        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", solver="newton-cg")
        model.fit(x, list(labels))
        weights, bias = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # binary: one row for the second class; make it two
            weights, bias = np.vstack([-weights, weights]) / 2, np.concatenate([-bias, bias]) / 2
        return cls(tuple(str(label) for label in model.classes_), np.asarray(weights, dtype=np.float64),
                   np.asarray(bias, dtype=np.float64), temperature)

    def softmax(self, scores: Array, calibrated: bool = True) -> Array:
        """Probabilities from this model's scores (`weights[:, index] @ values + bias`): calibrated, or
        the regression's own."""
        scores = scores * self.temperature if calibrated else scores
        scores = np.exp(scores - scores.max())
        return np.asarray(scores / scores.sum())

    def probabilities(self, index: Array, values: Array) -> Array:
        return self.softmax(self.weights[:, index] @ values + self.bias)

    def contributions(self, label: str, index: Array, values: Array) -> Array:
        """How much each feature pushed towards `label` rather than the average class."""
        row = self.labels.index(label)
        weights = self.weights[:, index]
        return np.asarray((weights[row] - weights.mean(axis=0)) * values)


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

    @property
    def category(self) -> str:
        return max(self.types, key=lambda k: self.types[k])


MODELS = ("scope", "type", "subtype", "body")


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

    @classmethod
    def train(cls, messages: Sequence[LabelledMessage], options: FeatureOptions = FeatureOptions()) -> TextModel:
        from sklearn.feature_extraction.text import TfidfVectorizer  # seconds to import; training only

        space = FeatureSpace(options, load_lexicon(), segmenter())
        vectorizer = TfidfVectorizer(analyzer=space.features, sublinear_tf=True)
        x = vectorizer.fit_transform([m.text for m in messages])
        env = [i for i, m in enumerate(messages) if m.environmental]
        with_sub = [i for i in env if messages[i].subcategory]
        scope = Linear.fit(x, ["env" if m.environmental else "out" for m in messages], options.c)
        kind = Linear.fit(x[env], [messages[i].category for i in env], options.c, TYPE_TEMPERATURE)
        sub = Linear.fit(x[with_sub], [f"{messages[i].category}/{messages[i].subcategory}" for i in with_sub],
                         options.c, SUBTYPE_TEMPERATURE)
        out = [i for i, m in enumerate(messages) if not m.environmental and m.subcategory]
        body = Linear.fit(x[out], [messages[i].subcategory or "" for i in out], options.c)
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        names = [""] * len(vocabulary)
        for name, column in vocabulary.items():
            names[column] = name
        return cls(space, vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64), names, scope, kind, sub,
                   body, len(messages))

    def to_arrays(self) -> tuple[dict[str, object], dict[str, Array]]:
        """The fitted model as JSON-able facts and plain numeric arrays (no Python objects), to store it."""
        facts: dict[str, object] = {"names": self.names, "trained_on": self.trained_on,
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
                   linear["type"], linear["subtype"], linear["body"], int(facts["trained_on"]))

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
        counts = Counter(self.space.features(text))
        known = [(vocabulary[f], n) for f, n in counts.items() if f in vocabulary]
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        columns, ns = zip(*known, strict=True)
        index = np.array(columns, dtype=np.int64)
        values = (1.0 + np.log(np.array(ns, dtype=np.float64))) * self.idf[index]
        norm = float(np.sqrt(values @ values))
        return index, (values / norm if norm else values)

    def _explain(self, model: Linear, label: str, index: Array, values: Array, top: int = 6) -> tuple[str, ...]:
        keep = self._explainable[index]
        index, values = index[keep], values[keep]
        contributions = model.contributions(label, index, values)
        shown: list[str] = []
        for position in np.argsort(-contributions):
            if contributions[position] <= 0 or len(shown) >= top:
                break
            # the lexicon's verdicts are explained by their words, so only words are named
            word = self.names[index[position]].removeprefix("w:")
            if any(word in seen for seen in shown):
                continue
            shown = [seen for seen in shown if seen not in word] + [word]
        return tuple(shown)

    def _within(self, subtype_probabilities: Array, category: str) -> dict[str, float]:
        within = {label.split("/", 1)[1]: float(p)
                  for label, p in zip(self.subtype.labels, subtype_probabilities, strict=True)
                  if label.startswith(category + "/")}
        total = sum(within.values())
        return {k: v / total for k, v in within.items()} if total else {}

    def predict(self, text: str) -> Prediction:
        index, values = self.vector(text)
        scores = self._scores(index, values)
        scope = self.scope.softmax(scores["scope"])
        environmental = float(scope[self.scope.labels.index("env")])
        types, raw_types = ({label: float(p) for label, p in zip(self.type.labels, self.type.softmax(
            scores["type"], calibrated), strict=True)} for calibrated in (True, False))
        category = max(types, key=lambda k: types[k])
        subtypes, raw_subtypes = (self._within(self.subtype.softmax(scores["subtype"], calibrated), category)
                                  for calibrated in (True, False))
        bodies = dict(zip(self.body.labels, (float(p) for p in self.body.softmax(scores["body"])), strict=True))
        # only the explanation a dispatcher will read: the type's, or why it is out of scope
        if environmental >= ENVIRONMENTAL_FROM:
            return Prediction(environmental, types, subtypes, bodies,
                              self._explain(self.type, category, index, values), (), raw_types, raw_subtypes)
        return Prediction(environmental, types, subtypes, bodies, (), self._explain(self.scope, "out", index, values),
                          raw_types, raw_subtypes)

    def subtypes_within(self, text: str, category: str, calibrated: bool = True) -> dict[str, float]:
        """P(subtype | the given type), for a type the citizen chose."""
        index, values = self.vector(text)
        scores = self.subtype.weights[:, index] @ values + self.subtype.bias
        return self._within(self.subtype.softmax(scores, calibrated), category)


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
