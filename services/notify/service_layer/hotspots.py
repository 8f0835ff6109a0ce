"""The problem list (问题清单) and the public reply summaries: handlers registered in handlers.py's tables.

- `list_hotspots` (query): the rules of `domain.hotspots` over notify's projection (its counts and kept
  pairs: adapters/hotspot_index.py), with the bureau's decision on each key, a page of them; never commits.
  `list_hotspot_cases`: the cases behind one, a page.
- `update_hotspot` (command): a supervisor's owner (领导包案), plan or status for a key that is flagged now
  or was worked on before.
- `note_reply` (event, CaseRepliedV1): keeps the scrubbed summary of the latest reply for the public list.
  It writes in the consumer's transaction and leaves the commit to the case's own handler after it in the
  table (or to the inbox when there is none), so the summary and the case's clocks are one transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from services.notify.adapters.hotspot_index import HotspotIndex
from services.notify.domain.departments import DepartmentDirectory
from services.notify.domain.disclosure import ReplySummary
from services.notify.domain.errors import HotspotNotFound
from services.notify.domain.hotspots import (
    KIND_NAMES,
    STATUS_NAMES,
    Hotspot,
    HotspotCase,
    HotspotRules,
    HotspotState,
    ListHotspotCases,
    ListHotspots,
    UpdateHotspot,
    assess,
    assess_kept,
    firm_hotspots,
    kept_pairs_serve,
    quiet,
    town_name,
    type_name,
)
from services.notify.service_layer.uow import NotifyUnitOfWork
from shared.contracts.events import CaseRepliedV1

_STATUS_ORDER = {"open": 0, "in_progress": 1, "resolved": 2}


@dataclass(frozen=True)
class HotspotCaseLine:
    case: HotspotCase
    department_name: str | None
    category_name: str
    town_name: str


@dataclass(frozen=True)
class HotspotView:
    hotspot: Hotspot
    state: HotspotState | None
    kind_name: str
    town_name: str | None
    category_name: str | None
    directory: DepartmentDirectory

    @cached_property
    def title(self) -> str:
        hotspot = self.hotspot
        if hotspot.kind == "recurring":
            return f"{self.town_name} · {self.category_name}"
        if hotspot.kind == "rising":
            return f"全区 · {self.category_name}"
        if hotspot.kind == "night_noise":
            return f"{self.town_name} · 夜间噪声"
        if hotspot.kind == "firm":  # 被举报企业: the firm's name and credit code (docs/firms.md)
            return hotspot.label or f"企业 {hotspot.key.partition(':')[2]}"
        code = hotspot.cases[0].tracking_code if hotspot.cases else None
        return f"{code or hotspot.key.partition(':')[2]} · 第{int(hotspot.figures.get('reply_round', 0))}轮办理"

    @cached_property
    def cases(self) -> list[HotspotCaseLine]:
        """Every case behind it, newest first (loaded when asked for: `page` for a page of them)."""
        return self.page(0, len(self.hotspot.cases))

    def page(self, offset: int, limit: int) -> list[HotspotCaseLine]:
        return [HotspotCaseLine(c, self.directory.name_of(c.department) if c.department else None,
                                type_name(c.category), town_name(c.town))
                for c in self.hotspot.cases[offset:offset + limit]]

    @property
    def status(self) -> str:
        return self.state.status if self.state else "open"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @cached_property
    def since_resolved(self) -> int:
        """Cases received after it was resolved (销号后又出现)."""
        if self.state is None or self.state.resolved_at is None:
            return 0
        return self.hotspot.received_after(self.state.resolved_at)

    def settled(self) -> HotspotView:
        """What the list shows of it worked out while the unit of work is open (its title may read a case)."""
        _ = self.title, self.since_resolved
        return self


def hotspots_at(uow: NotifyUnitOfWork, now: datetime, rules: HotspotRules, *,
                every_case: bool = False, key: str | None = None) -> list[HotspotView]:
    """Every hotspot flagged at `now` and every key with a decision, flagged ones first, the largest first.
    From notify's counts and kept pairs (adapters/hotspot_index.py), the cases behind each loaded when asked
    for; `every_case` (or rules the kept pairs do not serve): from every case of the window at once. With
    `key`: that key's alone, if it is flagged or has a decision (only its group is counted: its town and type,
    its type's pool of the nearby rule, its case)."""
    if every_case or not kept_pairs_serve(rules):
        found = assess(uow.issues.hotspot_cases(now - rules.lookback, rules.reopen_rounds), now, rules)
    else:
        index = HotspotIndex(uow.session)
        found = assess_kept(index.counts(now, rules, key), index.loaders(now, rules), now, rules)
    if key is None or key.startswith("firm:"):
        found.update(firm_hotspots(uow.firm_links.cases_since(now - timedelta(days=rules.firm_days)), now,
                                   rules))
    states = {s.key: s for s in uow.hotspots.all() if key is None or s.key == key}
    keys = {k for k, h in found.items() if h.flagged and (key is None or k == key)} | set(states)
    directory = uow.departments.get()
    views = [view(found.get(k) or quiet(k, now, rules), states.get(k), directory) for k in keys]
    views.sort(key=lambda v: (not v.hotspot.flagged, _STATUS_ORDER[v.status], -v.hotspot.count, v.hotspot.key))
    return views


@contextmanager
def _collection_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while the list is worked out (`hotspots_at` called inside, so its
    objects are gone when the collector is back): it makes and drops some hundred thousand small objects (a
    month's pairs of the nearby rule at a million cases), none in a cycle, and the collections they set off,
    each walking the whole process's heap, took longer than the work itself. It is turned on again after
    (unless it was off before: another request in it then turns it on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class HotspotList:
    as_of: datetime
    rules: HotspotRules
    total: int  # in the view asked, all pages
    hotspots: list[HotspotView]  # one page of them


def list_hotspots(query: ListHotspots, uow: NotifyUnitOfWork, hotspot_rules: HotspotRules) -> HotspotList:
    with _collection_paused():
        return _hotspot_list(query, uow, hotspot_rules)


def _hotspot_list(query: ListHotspots, uow: NotifyUnitOfWork, hotspot_rules: HotspotRules) -> HotspotList:
    now = uow.clock.now()
    views = hotspots_at(uow, now, hotspot_rules)
    if query.kind is not None:
        views = [v for v in views if v.hotspot.kind == query.kind]
    if query.view == "active":  # flagged and not closed, being worked on, or back after it was closed
        views = [v for v in views if v.status != "resolved" and (v.hotspot.flagged or v.status == "in_progress")
                 or v.status == "resolved" and v.hotspot.flagged and v.since_resolved > 0]
    elif query.view == "resolved":
        views = [v for v in views if v.status == "resolved"]
    return HotspotList(now, hotspot_rules, len(views),
                       [v.settled() for v in views[query.offset:query.offset + query.limit]])


@dataclass(frozen=True)
class HotspotCases:
    hotspot: HotspotView
    total: int
    cases: list[HotspotCaseLine]  # one page, newest first


def list_hotspot_cases(query: ListHotspotCases, uow: NotifyUnitOfWork, hotspot_rules: HotspotRules) -> HotspotCases:
    """The cases behind a hotspot the list shows (flagged now, or with a decision), a page at a time."""
    now = uow.clock.now()
    with _collection_paused():
        shown = next(iter(hotspots_at(uow, now, hotspot_rules, key=query.key)), None)
    if shown is None:
        raise HotspotNotFound(f"问题清单中没有 {query.key} / no hotspot {query.key!r} is listed now")
    return HotspotCases(shown.settled(), len(shown.hotspot.cases), shown.page(query.offset, query.limit))


def update_hotspot(command: UpdateHotspot, uow: NotifyUnitOfWork, hotspot_rules: HotspotRules) -> HotspotView:
    now = uow.clock.now()
    state = uow.hotspots.get(command.key)
    with _collection_paused():
        current = {v.hotspot.key: v for v in hotspots_at(uow, now, hotspot_rules, key=command.key)}
    if state is None:
        if command.key not in current:
            raise HotspotNotFound(f"问题清单中没有 {command.key} / no hotspot {command.key!r} is flagged now")
        state = uow.hotspots.add(HotspotState.new(command.key, now))
    state.change(command, now)
    uow.commit()
    shown = current.get(command.key)
    return view(shown.hotspot if shown else quiet(command.key, now, hotspot_rules), state,
                uow.departments.get()).settled()


def view(hotspot: Hotspot, state: HotspotState | None, directory: DepartmentDirectory) -> HotspotView:
    town = town_name(hotspot.town) if hotspot.town else None
    category = type_name(hotspot.category) if hotspot.category else None
    return HotspotView(hotspot, state, KIND_NAMES[hotspot.kind], town, category, directory)


def note_reply(event: CaseRepliedV1, uow: NotifyUnitOfWork) -> None:
    summary = uow.reply_summaries.get(event.complaint_id)
    if summary is None:
        uow.reply_summaries.add(ReplySummary.of(event.complaint_id, event.reply_round, event.reply, event.replied_at))
    else:
        summary.replied_again(event.reply_round, event.reply, event.replied_at)
