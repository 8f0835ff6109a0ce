"""The problem list's firm rule (企业重复被举报, docs/firms.md), pure: a firm with FIRM_REPEAT_THRESHOLD cases
received within FIRM_REPEAT_DAYS days ending now; refused and merged cases not counted; its key and label.
And the tables of the firm register and its links match their migrations (routing_0013, notify_0015)."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services import composition
from services.notify.adapters.firms import FIRM_TABLES
from services.notify.domain.hotspots import FirmCase, HotspotCase, HotspotRules, check_key, firm_hotspots, parse_key
from services.routing.adapters.firm_tables import RoutingFirm
from shared.clock import SHANGHAI

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
DAY = timedelta(days=1)


def _linked(n: int, received_at: datetime, status: str = "assigned", firm: str = "f1") -> FirmCase:
    case = HotspotCase(f"c{n}", f"HC{n}", "dust", None, "taihe", "ecology_env", status, received_at)
    return FirmCase(firm, "合川某某建材有限公司", "91500117203456789G", "taihe", case)


def test_three_within_the_window_flag_the_firm():
    found = firm_hotspots([_linked(1, NOW - 89 * DAY), _linked(2, NOW - DAY), _linked(3, NOW)], NOW)
    hotspot = found["firm:f1"]
    assert (hotspot.flagged, hotspot.count, hotspot.kind, hotspot.town) == (True, 3, "firm", "taihe")
    assert hotspot.label == "合川某某建材有限公司（91500117203456789G）"
    assert [c.complaint_id for c in hotspot.cases] == ["c3", "c2", "c1"]
    assert "90天内被举报3次" in hotspot.reason


def test_what_does_not_count():
    base = [_linked(1, NOW - DAY), _linked(2, NOW - 2 * DAY)]
    assert not firm_hotspots([*base, _linked(3, NOW - 90 * DAY)], NOW)["firm:f1"].flagged  # the window is open
    assert not firm_hotspots([*base, _linked(3, NOW + DAY)], NOW)["firm:f1"].flagged  # not yet received
    assert not firm_hotspots([*base, _linked(3, NOW, "rejected")], NOW)["firm:f1"].flagged
    assert not firm_hotspots([*base, _linked(3, NOW, "merged")], NOW)["firm:f1"].flagged
    assert not firm_hotspots([*base, _linked(3, NOW, firm="f2")], NOW)["firm:f1"].flagged  # another firm
    assert firm_hotspots([*base, _linked(3, NOW, "forwarded")], NOW)["firm:f1"].flagged
    assert not firm_hotspots([*base, _linked(3, NOW)], NOW, HotspotRules(firm_threshold=4))["firm:f1"].flagged
    assert firm_hotspots([*base, _linked(3, NOW - 100 * DAY)], NOW, HotspotRules(firm_days=120))["firm:f1"].flagged


def test_the_key():
    key = "firm:0b6f3c52-9a51-4a7e-8c1e-6d2f0a9b7c31"
    assert check_key(key) == key and parse_key(key) == ("firm", None, None)


def test_the_tables_match_their_migrations(empty_engine):
    composition.migrate(empty_engine)
    tables = [*FIRM_TABLES, RoutingFirm.__table__]  # type: ignore[attr-defined]
    names = {t.name for t in tables}

    def include(obj, obj_name, type_, _reflected, _compare_to):
        if type_ == "table":
            return obj_name in names
        table = getattr(obj, "table", None)
        return table is None or table.name in names

    with empty_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        assert compare_metadata(context, tables[0].metadata) == []
