"""Duplicates (重复件): a new case that looks like one already open is suggested for merging (并单).

Pure Python. A candidate master is an open case (not replied, not closed) of the same type, received in
the last `window_days`, at the same place — the same town and a similar address, or within `radius_m`
metres when both have coordinates — whose text is similar. A person confirms; nothing is merged here.

Similarity is the Dice coefficient of character bigrams (two citizens describe one building site in
different words, but share its name, the street and the kind of noise): 1.0 for the same text, 0.0 for
nothing in common. Punctuation and spaces do not count.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.geo import EARTH_RADIUS_M, distance_m

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class DuplicatePolicy:
    window_days: int = 30
    radius_m: float = 300.0
    address_min: float = 0.5  # addresses in one town this alike name the same place
    text_min: float = 0.2  # texts this alike describe the same problem (with the same type and place)


@dataclass(frozen=True)
class Candidate:
    """An open case a new one may duplicate (what the repository reads, no history)."""

    complaint_id: str
    tracking_code: str
    category: str | None
    town: str | None
    address: str | None
    content: str
    received_at: datetime
    status: str
    department: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Match:
    """Why `candidate` looks like the same problem: the place and the text, with their measures."""

    candidate: Candidate
    text_similarity: float
    address_similarity: float | None
    distance_m: float | None

    @property
    def score(self) -> float:
        place = 1.0 if self.distance_m is not None and self.address_similarity is None else (
            self.address_similarity or 0.0)
        return round(0.6 * self.text_similarity + 0.4 * place, 3)

    def reasons(self) -> list[str]:
        said = [f"同类问题，文本相似度 {self.text_similarity:.2f}"]
        if self.distance_m is not None:
            said.append(f"相距约 {self.distance_m:.0f} 米")
        if self.address_similarity is not None:
            said.append(f"同一镇街，地址相似度 {self.address_similarity:.2f}")
        return said

    def view(self) -> dict[str, object]:
        c = self.candidate
        return {"complaint_id": c.complaint_id, "tracking_code": c.tracking_code, "status": c.status,
                "department": c.department, "received_at": c.received_at.isoformat(), "address": c.address,
                "score": self.score, "text_similarity": round(self.text_similarity, 3),
                "address_similarity": None if self.address_similarity is None else round(self.address_similarity, 3),
                "distance_m": None if self.distance_m is None else round(self.distance_m),
                "reasons": self.reasons()}


def bigrams(text: str | None) -> frozenset[str]:
    """The character bigrams of a text, without punctuation or spaces, letters folded (全角 → 半角)."""
    if not text:
        return frozenset()
    plain = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())
    if len(plain) < 2:
        return frozenset({plain}) if plain else frozenset()
    return frozenset(plain[i:i + 2] for i in range(len(plain) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a point: what a database can filter on before measuring."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(0.01, math.cos(math.radians(lat)))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Probe:
    """The case looked at: what is compared with each candidate."""

    complaint_id: str
    category: str | None
    town: str | None
    address: str | None
    content: str
    received_at: datetime
    lat: float | None = None
    lon: float | None = None


def matches(probe: Probe, candidates: Iterable[Candidate], policy: DuplicatePolicy = DuplicatePolicy()) -> list[Match]:
    """The candidates that look like the same problem as `probe`, best first."""
    if probe.category is None:
        return []
    since = probe.received_at - timedelta(days=policy.window_days)
    text, address = bigrams(probe.content), bigrams(probe.address)
    found: list[Match] = []
    for c in candidates:
        if (c.complaint_id == probe.complaint_id or c.category != probe.category
                or not since <= c.received_at <= probe.received_at + timedelta(days=policy.window_days)):
            continue
        near = None
        if None not in (probe.lat, probe.lon, c.lat, c.lon):
            near = distance_m(probe.lat, probe.lon, c.lat, c.lon)  # type: ignore[arg-type]
        alike = None
        if probe.town is not None and probe.town == c.town and address and c.address:
            alike = dice(address, bigrams(c.address))
        same_place = (near is not None and near <= policy.radius_m) or (alike is not None
                                                                        and alike >= policy.address_min)
        if not same_place:
            continue
        similarity = dice(text, bigrams(c.content))
        if similarity >= policy.text_min:
            found.append(Match(c, similarity, alike, near))
    return sorted(found, key=lambda m: (-m.score, m.candidate.received_at))
