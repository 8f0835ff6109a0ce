"""Event contracts are snapshotted: an unannounced change to a published payload fails here."""

import pytest

from shared.contracts.events import PAYLOADS
from shared.contracts.snapshot import path_of, render


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_the_payload_schema_matches_its_snapshot(event_type):
    path = path_of(event_type)
    assert path.exists(), f"no snapshot for {event_type}: run python -m shared.contracts.snapshot"
    assert render(event_type) == path.read_text(encoding="utf-8"), (
        f"{event_type} changed: published payloads are immutable; add a new version (...v2) "
        "or, for an announced compatible change, refresh with python -m shared.contracts.snapshot")


def test_every_event_type_is_versioned():
    assert all(t.rsplit(".", 1)[-1].startswith("v") for t in PAYLOADS)


def test_snapshots_have_no_orphans():
    from shared.contracts.snapshot import SNAPSHOTS

    known = {path_of(t).name for t in PAYLOADS}
    assert {p.name for p in SNAPSHOTS.glob("*.json")} <= known
