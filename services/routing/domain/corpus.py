"""Routing's own labelled messages (语料), the data the text model is trained on.

`services/routing/corpus/*.tsv`, UTF-8, a header line, then one message a line:
`type  subtype-or-body  urgent(0/1)  town-code-or-empty  text`. Environmental messages carry a type
of the taxonomy (and a subtype or nothing); out-of-scope ones carry the type `out_of_scope` and the
code of the body they belong to (hrss, housing, ... as named in lexicon/terms.yaml).

Written for this district (合川 place names, Chongqing speech, hotline shorthand, WeChat one-liners,
hard pairs such as a factory's noise versus its smell). The split into train and held-out test is
deterministic: a message is held out when the first byte of the SHA-1 of its text is below 52
(about one in five), so adding messages never moves the others between the parts.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from shared.contracts.codes import TOWNS, is_known_type

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
OUT_OF_SCOPE = "out_of_scope"
HELD_OUT_BELOW = 52  # of 256: about 20% held out


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    category: str  # a type of the taxonomy, or OUT_OF_SCOPE
    subcategory: str | None  # the subtype; for out-of-scope messages the suggested body
    urgent: bool
    town: str | None

    @property
    def environmental(self) -> bool:
        return self.category != OUT_OF_SCOPE

    @property
    def held_out(self) -> bool:
        return hashlib.sha1(self.text.encode("utf-8")).digest()[0] < HELD_OUT_BELOW


def read_tsv(path: Path) -> list[LabelledMessage]:
    messages = []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows, None)  # the header
        for line, row in enumerate(rows, start=2):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 5:
                raise ValueError(f"{path.name}:{line}: 5 tab-separated columns expected, got {len(row)}")
            category, sub, urgent, town, text = row
            if category != OUT_OF_SCOPE and not is_known_type(category, sub or None):
                raise ValueError(f"{path.name}:{line}: unknown type {category}/{sub}")
            if urgent not in ("0", "1") or (town and town not in TOWNS) or not text.strip():
                raise ValueError(f"{path.name}:{line}: urgent 0/1, a known town code or nothing, and a text")
            messages.append(LabelledMessage(text.strip(), category, sub or None, urgent == "1", town or None))
    return messages


# Real messages of another city's message board (`<first-level label>\t<text>` a line, as the tipdm2020
# data): they teach the scope model how citizens write, not types. 环境保护 is environmental; 城乡建设
# mixes noise, dust and garbage with housing and roads, so it teaches nothing either way; the others are
# matters for other bodies.
BOARD_ENVIRONMENTAL = frozenset({"环境保护"})
BOARD_MIXED = frozenset({"城乡建设"})
ScopeExample = tuple[str, bool]  # a text and whether it is environmental, with no type


def read_board(path: Path) -> list[tuple[str, str]]:
    """(label, text) of every line of a board file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, tab, text = line.partition("\t")
        if tab and text.strip():
            rows.append((label.strip(), text.strip()))
    return rows


def scope_examples(rows: list[tuple[str, str]]) -> list[ScopeExample]:
    return [(text, label in BOARD_ENVIRONMENTAL) for label, text in rows if label not in BOARD_MIXED]


@cache
def load_corpus(directory: Path = CORPUS_DIR) -> tuple[LabelledMessage, ...]:
    """Every message of the corpus files, in file order (files sorted by name)."""
    return tuple(m for path in sorted(directory.glob("*.tsv")) for m in read_tsv(path))


def training_part(messages: tuple[LabelledMessage, ...] | None = None) -> list[LabelledMessage]:
    return [m for m in (messages or load_corpus()) if not m.held_out]


def held_out_part(messages: tuple[LabelledMessage, ...] | None = None) -> list[LabelledMessage]:
    return [m for m in (messages or load_corpus()) if m.held_out]


def corpus_digest(messages: tuple[LabelledMessage, ...] | None = None) -> str:
    """A fingerprint of the corpus, to tell which data a model was trained on."""
    digest = hashlib.sha1()
    for m in messages or load_corpus():
        digest.update(f"{m.category}\t{m.subcategory}\t{m.text}\n".encode())
    return digest.hexdigest()[:12]
