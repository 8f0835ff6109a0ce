"""Where a complaint is (属地): the street/town from the text, when the citizen picked none.

Full names (合阳城街道), short forms (合阳城), older names (合阳镇) and well-known places
(钓鱼城古战场 → 钓鱼城街道, 涞滩古镇 → 涞滩镇) from `lexicon/places.yaml`. Phrases in which a short
name means something else (大石头, 燕窝粥) are blanked out first. The earliest mention wins; at the
same place the longer name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from shared.contracts.codes import TOWNS, Town, find_town

PLACES = Path(__file__).resolve().parent.parent / "lexicon" / "places.yaml"


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]  # a name as written -> town code (aliases and landmarks)
    landmarks: frozenset[str]  # the names that are landmarks rather than names of the town
    not_places: tuple[str, ...]


@dataclass(frozen=True)
class PlaceMatch:
    town: Town
    name: str  # the words in the text that named it
    landmark: bool

    @property
    def explanation(self) -> str:
        how = "地标 / landmark" if self.landmark else "地名 / place name"
        return f"{how}「{self.name}」→ {self.town.name}"


@cache
def load_gazetteer(path: Path = PLACES) -> Gazetteer:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    landmarks: set[str] = set()
    for section in ("aliases", "landmarks"):
        for code, listed in (data.get(section) or {}).items():
            if code not in TOWNS:
                raise ValueError(f"{path.name}: {section}: unknown town code {code}")
            for name in listed:
                names[str(name)] = code
                if section == "landmarks":
                    landmarks.add(str(name))
    return Gazetteer(names, frozenset(landmarks), tuple(str(p) for p in data.get("not_places") or ()))


def find_place(text: str, towns: Iterable[Town] | None = None) -> PlaceMatch | None:
    """The street/town the text names, and the words that named it."""
    gazetteer = load_gazetteer()
    candidates = {t.code: t for t in (towns if towns is not None else TOWNS.values())}
    for phrase in gazetteer.not_places:
        text = text.replace(phrase, " " * len(phrase))
    names: list[tuple[str, Town, bool]] = []
    for town in candidates.values():
        names.append((town.name, town, False))
        names.append((town.name.removesuffix("街道").removesuffix("镇"), town, False))
    for name, code in gazetteer.names.items():
        if code in candidates:
            names.append((name, candidates[code], name in gazetteer.landmarks))
    found = [(text.find(name), -len(name), name, town, landmark)
             for name, town, landmark in names if len(name) >= 2 and name in text]
    if not found:
        return None
    _, _, name, town, landmark = min(found, key=lambda item: (item[0], item[1]))
    return PlaceMatch(town, name, landmark)


def town_in_text(text: str, towns: Iterable[Town] | None = None) -> Town | None:
    match = find_place(text, towns)
    return match.town if match else None


def resolve_town(value: str | None, towns: dict[str, Town]) -> Town | None:
    """A town by the code intake resolved, else by a name as the citizen wrote it."""
    if not value:
        return None
    if value in towns:
        return towns[value]
    known = find_town(value)
    return towns.get(known.code, known) if known else None
