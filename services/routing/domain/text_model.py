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
arrays once, and a message is scored with one sparse dot product per model. Same numbers as
`TfidfVectorizer.transform` + `predict_proba` (a test checks it), about ten times faster for one
message at a time, which is how complaints arrive.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from services.routing.domain.corpus import LabelledMessage, load_corpus, training_part
from services.routing.domain.lexicon import Lexicon, Segmenter, load_lexicon, normalise, segmenter

Array = np.ndarray

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
    """A fitted logistic regression as arrays: class labels, weights (classes x features), biases."""
    labels: tuple[str, ...]
    weights: Array
    bias: Array

    @classmethod
    def fit(cls, x: object, labels: Sequence[str], c: float) -> Linear:
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", solver="newton-cg")
        model.fit(x, list(labels))
        weights, bias = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # binary: one row for the second class; make it two
            weights, bias = np.vstack([-weights, weights]) / 2, np.concatenate([-bias, bias]) / 2
        return cls(tuple(str(label) for label in model.classes_), np.asarray(weights), np.asarray(bias))

    def probabilities(self, index: Array, values: Array) -> Array:
        scores = self.weights[:, index] @ values + self.bias
        scores = np.exp(scores - scores.max())
        return np.asarray(scores / scores.sum())

    def contributions(self, label: str, index: Array, values: Array) -> Array:
        """How much each feature pushed towards `label` rather than the average class."""
        row = self.labels.index(label)
        weights = self.weights[:, index]
        return np.asarray((weights[row] - weights.mean(axis=0)) * values)


@dataclass(frozen=True)
class Prediction:
    environmental: float  # P(environmental)
    types: dict[str, float]  # P(type | environmental)
    subtypes: dict[str, float]  # P(subtype | type), for the most likely type; may be empty
    bodies: dict[str, float]  # P(body | out of scope)
    type_features: tuple[str, ...]  # what decided the type, strongest first
    scope_features: tuple[str, ...]  # what decided environmental or not, strongest first

    @property
    def category(self) -> str:
        return max(self.types, key=lambda k: self.types[k])


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
        space = FeatureSpace(options, load_lexicon(), segmenter())
        vectorizer = TfidfVectorizer(analyzer=space.features, sublinear_tf=True)
        x = vectorizer.fit_transform([m.text for m in messages])
        env = [i for i, m in enumerate(messages) if m.environmental]
        with_sub = [i for i in env if messages[i].subcategory]
        scope = Linear.fit(x, ["env" if m.environmental else "out" for m in messages], options.c)
        kind = Linear.fit(x[env], [messages[i].category for i in env], options.c)
        sub = Linear.fit(x[with_sub], [f"{messages[i].category}/{messages[i].subcategory}" for i in with_sub],
                         options.c)
        out = [i for i, m in enumerate(messages) if not m.environmental and m.subcategory]
        body = Linear.fit(x[out], [messages[i].subcategory or "" for i in out], options.c)
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        names = [""] * len(vocabulary)
        for name, column in vocabulary.items():
            names[column] = name
        return cls(space, vocabulary, np.asarray(vectorizer.idf_), names, scope, kind, sub, body,
                   len(messages))

    @cached_property
    def lexicon_words(self) -> frozenset[str]:
        lexicon = self.space.lexicon
        return frozenset([w for words in lexicon.types.values() for w in words]
                         + [w for words in lexicon.signals.values() for w in words])

    def vector(self, text: str) -> tuple[Array, Array]:
        """The TF-IDF vector of a text as (feature indices, values), as the vectorizer makes it."""
        counts = Counter(f for f in self.space.features(text) if f in self.vocabulary)
        index = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(n) for n in counts.values()), dtype=np.float64, count=len(counts))
        values = tf * self.idf[index]
        norm = float(np.sqrt(values @ values))
        return index, (values / norm if norm else values)

    def _explain(self, model: Linear, label: str, index: Array, values: Array, top: int = 6) -> tuple[str, ...]:
        contributions = model.contributions(label, index, values)
        shown: list[str] = []
        for position in np.argsort(-contributions):
            if contributions[position] <= 0 or len(shown) >= top:
                break
            name = self.names[index[position]]
            # words only: the lexicon's verdicts are explained by their words, and a bare character
            # n-gram (音很大) means nothing to a dispatcher unless it is a word of the lexicon
            word = name.removeprefix("w:")
            if not (name.startswith("w:") or word in self.lexicon_words) or len(word) < 2 \
                    or any(word in seen for seen in shown):
                continue
            shown = [seen for seen in shown if seen not in word] + [word]
        return tuple(shown)

    def predict(self, text: str) -> Prediction:
        index, values = self.vector(text)
        scope = self.scope.probabilities(index, values)
        environmental = float(scope[self.scope.labels.index("env")])
        types = dict(zip(self.type.labels, (float(p) for p in self.type.probabilities(index, values)), strict=True))
        category = max(types, key=lambda k: types[k])
        subs = self.subtype.probabilities(index, values)
        within = {label.split("/", 1)[1]: float(p) for label, p in zip(self.subtype.labels, subs, strict=True)
                  if label.startswith(category + "/")}
        total = sum(within.values())
        subtypes = {k: v / total for k, v in within.items()} if total else {}
        bodies = dict(zip(self.body.labels, (float(p) for p in self.body.probabilities(index, values)), strict=True))
        # only the explanation a dispatcher will read: the type's, or why it is out of scope
        if environmental >= ENVIRONMENTAL_FROM:
            return Prediction(environmental, types, subtypes, bodies,
                              self._explain(self.type, category, index, values), ())
        return Prediction(environmental, types, subtypes, bodies, (), self._explain(self.scope, "out", index, values))

    def subtypes_within(self, text: str, category: str) -> dict[str, float]:
        """P(subtype | the given type), for a type the citizen chose."""
        index, values = self.vector(text)
        probabilities = self.subtype.probabilities(index, values)
        within = {label.split("/", 1)[1]: float(p) for label, p in zip(self.subtype.labels, probabilities, strict=True)
                  if label.startswith(category + "/")}
        total = sum(within.values())
        return {k: v / total for k, v in within.items()} if total else {}


@cache
def default_model() -> TextModel:
    """The model of this process, trained once at first use on the corpus's training part (a second
    or two: jieba's dictionary, then three small regressions)."""
    return TextModel.train(training_part(load_corpus()))
