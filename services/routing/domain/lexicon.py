"""Routing's domain lexicon (分类词典) and word segmentation (分词), loaded from data.

The words live in `services/routing/lexicon/terms.yaml`, editable without touching code: words per
type and subtype with a weight, extra words for the segmenter, urgency words, and the signals of
matters for other bodies (人社, 住建, 交通 ...). The classifier uses the hits twice: as features of
the statistical model, and as the words a dispatcher reads in the explanation.

Segmentation is jieba's (precise mode, no HMM: faster, and new words are covered by the character
n-grams anyway) on a private `jieba.Tokenizer`, so the user words never leak into other code. Its
dictionary is jieba's; the search for the likeliest split is a plain loop here (`Segmenter._segment`),
word for word jieba's result in 0.6 of its time.
"""

from __future__ import annotations

import logging
import math
import re
import string
from dataclasses import dataclass
from functools import cache, cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

import jieba
import yaml

from shared.contracts.codes import is_known_type

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
TERMS = LEXICON_DIR / "terms.yaml"

_SPACES = re.compile(r"\s+")
_NOT_A_WORD = re.compile(r"^[\W_]+$")  # punctuation and symbols only
# jieba's runs of characters it segments (re_han_default): the rest it yields one character at a time
_RUNS = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)  # jieba joins runs of these (re_eng)
_RUN_SYMBOLS = frozenset("+#&._%-")  # the characters of a run that are not a word's


def normalise(text: str) -> str:
    """What the classifier reads: lower case, one space for any run of blanks."""
    return _SPACES.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class TypeHit:
    word: str
    category: str
    subcategory: str | None  # None: a word of the type itself (噪音 for noise)
    weight: int


@dataclass(frozen=True)
class BodyHit:
    word: str
    body: str  # an out-of-scope body code (hrss, housing, ...)
    weight: int


@dataclass(frozen=True)
class Lexicon:
    types: dict[tuple[str, str | None], dict[str, int]]
    user_words: tuple[str, ...]
    urgent_words: tuple[str, ...]
    cancel_words: tuple[str, ...]
    bodies: dict[str, str]  # code -> the name shown to dispatchers (区人力社保局（人社）)
    signals: dict[str, dict[str, int]]  # body code -> {word: weight}

    @cached_property
    def _type_index(self) -> dict[str, list[tuple[str, str, int, TypeHit]]]:
        """The type words by their first character, each with its place in the file's order."""
        hits = [TypeHit(word, category, sub, weight)
                for (category, sub), words in self.types.items() for word, weight in words.items()]
        return _by_first_character(hits)

    @cached_property
    def _body_index(self) -> dict[str, list[tuple[str, str, int, BodyHit]]]:
        hits = [BodyHit(word, body, weight) for body, words in self.signals.items() for word, weight in words.items()]
        return _by_first_character(hits)

    def type_hits(self, text: str) -> list[TypeHit]:
        """Every lexicon word found in the (normalised) text, with its type and subtype, in the file's
        order. Only the words that start with a character of the text are tried, a few dozen of the
        hundreds: trying them all was a sixth of the classifier's time on a short message."""
        return _found(self._type_index, text)

    def body_hits(self, text: str) -> list[BodyHit]:
        return _found(self._body_index, text)

    def rule_scores(self, hits: list[TypeHit]) -> dict[str, int]:
        """The rule score (规则得分) per type: the weights of its words, subtype words included."""
        scores: dict[str, int] = {}
        for hit in hits:
            scores[hit.category] = scores.get(hit.category, 0) + hit.weight
        return scores

    def best_body(self, text: str) -> tuple[str | None, list[str]]:
        """The body the out-of-scope signals point to most, and the words that did."""
        scores: dict[str, int] = {}
        words: dict[str, list[str]] = {}
        for hit in self.body_hits(text):
            scores[hit.body] = scores.get(hit.body, 0) + hit.weight
            words.setdefault(hit.body, []).append(hit.word)
        if not scores:
            return None, []
        body = max(scores, key=lambda code: (scores[code], code != "other"))
        return body, words[body]


Hit = TypeVar("Hit", TypeHit, BodyHit)


def _by_first_character(hits: list[Hit]) -> dict[str, list[tuple[str, str, int, Hit]]]:
    """Per first character: its words, each with its last character, its place in the file's order
    and its hit."""
    index: dict[str, list[tuple[str, str, int, Hit]]] = {}
    for order, hit in enumerate(hits):
        index.setdefault(hit.word[0], []).append((hit.word, hit.word[-1], order, hit))
    return index


def _found(index: dict[str, list[tuple[str, str, int, Hit]]], text: str) -> list[Hit]:
    characters = set(text)  # a word whose last character is not in the text is not searched for
    found = [(order, hit) for first in characters.intersection(index)
             for word, last, order, hit in index[first] if last in characters and word in text]
    found.sort(key=itemgetter(0))
    return [hit for _, hit in found]


def _words(table: Any, where: str) -> dict[str, int]:
    if not isinstance(table, dict) or not all(isinstance(w, int) and w > 0 for w in table.values()):
        raise ValueError(f"{TERMS.name}: {where} must map words to positive integer weights")
    return {normalise(str(word)): weight for word, weight in table.items()}


def parse_lexicon(data: dict[str, Any]) -> Lexicon:
    """Checks the file as it loads, so a typo fails at start-up and not on a case."""
    types: dict[tuple[str, str | None], dict[str, int]] = {}
    for category, subs in data["types"].items():
        for sub, table in subs.items():
            key = (category, sub or None)
            if not is_known_type(*key):
                raise ValueError(f"{TERMS.name}: unknown type {category}/{sub}")
            types[key] = _words(table, f"types.{category}.{sub}")
    scope = data["out_of_scope"]
    bodies = {str(code): str(name) for code, name in scope["bodies"].items()}
    signals = {str(code): _words(table, f"out_of_scope.signals.{code}") for code, table in scope["signals"].items()}
    unknown = set(signals) - set(bodies)
    if unknown:
        raise ValueError(f"{TERMS.name}: signals for bodies without a name: {sorted(unknown)}")
    return Lexicon(types=types, user_words=tuple(str(w) for w in data.get("user_words", [])),
                   urgent_words=tuple(normalise(str(w)) for w in data["urgent"]["words"]),
                   cancel_words=tuple(normalise(str(w)) for w in data["urgent"]["cancel"]),
                   bodies=bodies, signals=signals)


@cache
def load_lexicon(path: Path = TERMS) -> Lexicon:
    return parse_lexicon(yaml.safe_load(path.read_text(encoding="utf-8")))


class Segmenter:
    """jieba on its own dictionary instance, with the lexicon's words added; its precise mode without
    HMM run here on its dictionary (`words`)."""

    def __init__(self, words: tuple[str, ...]) -> None:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word in words:
            self._tokenizer.add_word(normalise(word), freq=20000)
        self._frequencies: dict[str, int] = self._tokenizer.FREQ  # words, and their prefixes with 0
        self._log_total = math.log(self._tokenizer.total)

    def words(self, text: str) -> list[str]:
        """The words of a normalised text, punctuation and blanks left out: `lcut(text, HMM=False)`'s,
        the same words (tests/routing/test_segmenter.py compares them) in 0.6 of the time: jieba's
        generators, tuples and dicts per character were a fifth of classifying a long message."""
        found: list[str] = []
        for at, part in enumerate(_RUNS.split(text)):
            if at % 2:  # a run jieba segments
                found += [w for w in self._segment(part) if w[0] not in _RUN_SYMBOLS or not _NOT_A_WORD.match(w)]
            else:  # the rest, one character at a time
                found += [c for c in part if c.strip() and not _NOT_A_WORD.match(c)]
        return found

    def _segment(self, run: str) -> list[str]:
        """jieba's `__cut_DAG_NO_HMM`: the most probable split by its dictionary's frequencies (the same
        sums in the same order, ties to the longer word), then single ASCII letters and digits joined."""
        frequencies, log_total, log = self._frequencies, self._log_total, math.log
        n = len(run)
        score = [0.0] * (n + 1)  # score[k]: the best log probability of run[k:]
        ends = [0] * n  # ends[k]: where the first word of that best split of run[k:] ends
        for k in range(n - 1, -1, -1):
            best, end = -log_total + score[k + 1], k + 1  # an unknown character: frequency 1
            known = False
            i, frequency = k + 1, frequencies.get(run[k])
            while frequency is not None:  # run[k:i] is a word or a word's prefix
                if frequency:
                    value = log(frequency) - log_total + score[i]
                    if not known or value >= best:
                        best, end, known = value, i, True
                if i == n:
                    break
                i += 1
                frequency = frequencies.get(run[k:i])
            score[k], ends[k] = best, end
        words: list[str] = []
        letters = ""
        x = 0
        while x < n:
            word = run[x:ends[x]]
            if len(word) == 1 and word in _ASCII_ALNUM:
                letters += word
            else:
                if letters:
                    words.append(letters)
                    letters = ""
                words.append(word)
            x = ends[x]
        if letters:
            words.append(letters)
        return words


@cache
def segmenter() -> Segmenter:
    lexicon = load_lexicon()
    vocabulary = set(lexicon.user_words)
    vocabulary.update(word for words in lexicon.types.values() for word in words if len(word) > 1)
    vocabulary.update(word for words in lexicon.signals.values() for word in words if len(word) > 1)
    return Segmenter(tuple(sorted(vocabulary)))
