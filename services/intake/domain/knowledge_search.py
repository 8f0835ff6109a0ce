"""Searching the knowledge base while the operator types: jieba's words, BM25 over weighted fields.

Pure Python, in memory: the district's knowledge base is hundreds of articles, so an index of all of them
is small and answers in well under a millisecond; it is rebuilt when an article changes (the service layer
decides when). The same code runs on SQLite and PostgreSQL because the database only lends the rows.

Ranking is BM25 with the fields weighted (a word in the title or the keywords counts three times one in
the answer). The last word of what is being typed is also matched as a prefix (夜间施 finds 夜间施工), so
articles appear before a word is finished.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import jieba

from services.intake.domain.knowledge import Article

FIELD_WEIGHTS = (("title", 3.0), ("keywords", 3.0), ("question", 2.0), ("answer", 1.0))
KEYWORD_WEIGHT = 3.0
PREFIX_WEIGHT = 0.5
K1, B = 1.2, 0.75
SNIPPET = 70  # characters of the answer shown around the first hit

_NOT_A_WORD = re.compile(r"^[\W_]+$")
# Words that say nothing about what a caller asks (they would only add noise to the ranking).
STOPWORDS = frozenset("的 了 是 在 我 我们 你 你们 他 她 它 有 和 与 及 就 都 也 还 吗 呢 吧 啊 呀 么 什么 怎么 怎样 "
                      "如何 这 那 这个 那个 一个 请问 想 要 能 会 可以 没有 不 很 太 被 把 给 对 从 到 为 让 "
                      "问 一下 现在 已经 请".split())


@cache
def _tokenizer() -> jieba.Tokenizer:
    """A private jieba tokenizer (the dictionary loads once, on first use, about a second)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(text: str) -> list[str]:
    """The words of a text for searching: jieba's search mode (long words and their parts), lower case,
    without punctuation and stop words."""
    found = _segments(text)
    return [w for w in found + _joined_singles(found) if w and not _NOT_A_WORD.match(w) and w not in STOPWORDS]


def _segments(text: str) -> list[str]:
    return [w.strip() for w in _tokenizer().lcut_for_search(text.lower(), HMM=False)]


def _joined_singles(found: list[str]) -> list[str]:
    """Runs of single characters joined into one word: a word jieba does not know (扬尘 → 扬, 尘) is still
    a word, the same in an article and in a query."""
    joined, run = [], ""
    for word in [*found, ""]:
        if len(word) == 1 and not word.isascii() and not _NOT_A_WORD.match(word) and word not in STOPWORDS:
            run += word
            continue
        if 2 <= len(run) <= 6:
            joined.append(run)
        run = ""
    return joined


def _worth_matching(word: str) -> bool:
    """A single Chinese character (件, 大, 扬) matches too much to rank by; it still starts a prefix."""
    return len(word) > 1 or word.isascii()


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    terms: tuple[str, ...]  # the words of the query found in the article, longest first (to highlight)
    snippet: str


@dataclass
class _Doc:
    article: Article
    tf: dict[str, float]
    length: float
    version: int  # the article's version when its words were counted


class KnowledgeIndex:
    """An inverted index of articles; `search` ranks the ones `allowed` lets through."""

    def __init__(self, articles: Iterable[Article], previous: KnowledgeIndex | None = None) -> None:
        """`previous`: an index of earlier versions; the words of an article whose version has not changed
        are taken from it rather than segmented again (segmenting is what costs, about a millisecond each)."""
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[int]] = {}
        known = {d.article.article_id: d for d in previous.docs} if previous is not None else {}
        for article in articles:
            before = known.get(article.article_id)
            tf = before.tf if before is not None and before.version == article.version else _frequencies(article)
            for word in tf:
                self.postings.setdefault(word, []).append(len(self.docs))
            self.docs.append(_Doc(article, tf, sum(tf.values()), article.version))
        self.average = (sum(d.length for d in self.docs) / len(self.docs)) if self.docs else 1.0
        self.vocabulary = sorted(self.postings)

    def __len__(self) -> int:
        return len(self.docs)

    def query_terms(self, text: str) -> dict[str, float]:
        """The query's words, each with its weight; the last word typed, while it is being typed, also as a
        prefix of indexed words (at half weight: 管 is a start of 管理局 but says less than 管理局)."""
        terms = {w: 1.0 for w in words(text) if _worth_matching(w)}
        typed = [w for w in _segments(text) if w and not _NOT_A_WORD.match(w)]
        if typed and not _NOT_A_WORD.match(text[-1]) and not text[-1].isspace():
            for word in self._prefixed(typed[-1])[:20]:
                terms.setdefault(word, PREFIX_WEIGHT)
        return terms

    def _prefixed(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, prefix)
        found = []
        for word in self.vocabulary[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def search(self, text: str, *, allowed: Callable[[Article], bool] | None = None, limit: int = 20) -> list[Hit]:
        terms = self.query_terms(text)
        n = len(self.docs)
        scores: dict[int, float] = {}
        matched: dict[int, set[str]] = {}
        for term, weight in terms.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = weight * math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for i in posting:
                doc = self.docs[i]
                tf = doc.tf[term]
                norm = K1 * (1 - B + B * doc.length / self.average)
                scores[i] = scores.get(i, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
                matched.setdefault(i, set()).add(term)
        ranked = sorted((i for i in scores if allowed is None or allowed(self.docs[i].article)),
                        key=lambda i: (-scores[i], self.docs[i].article.content.title))
        hits = []
        for i in ranked[:limit]:
            article = self.docs[i].article
            terms_found = tuple(sorted(matched[i], key=lambda t: (-len(t), t)))
            hits.append(Hit(article, round(scores[i], 4), terms_found, snippet(article.content.answer, terms_found)))
        return hits


def _frequencies(article: Article) -> dict[str, float]:
    """Each word of the article with its weighted count (a word in the title counts three times, ...)."""
    tf: dict[str, float] = {}
    for name, weight in FIELD_WEIGHTS:
        for word in filter(_worth_matching, words(_field(article, name))):
            tf[word] = tf.get(word, 0.0) + weight
    for keyword in article.content.keywords:  # an author's keyword is a word, whatever jieba thinks
        if (word := keyword.lower()) not in tf:
            tf[word] = KEYWORD_WEIGHT
    return tf


def _field(article: Article, name: str) -> str:
    content = article.content
    if name == "keywords":
        return " ".join(content.keywords)
    return str(getattr(content, name) or "")


def snippet(text: str, terms: Sequence[str], size: int = SNIPPET) -> str:
    """About `size` characters of `text` around the first term found in it (its start when none is)."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    positions = [p for p in (lowered.find(t) for t in terms) if p >= 0]
    if not positions:
        return flat[:size] + ("…" if len(flat) > size else "")
    start = max(0, min(positions) - size // 3)
    end = min(len(flat), start + size)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
