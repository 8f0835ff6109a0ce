"""4. /metrics stays bounded: made-up methods and paths add no series."""

from __future__ import annotations

from shared.metrics import REGISTRY


def series() -> set[tuple[str, ...]]:
    return {tuple(sorted(sample.labels.items())) for metric in REGISTRY.collect()
            if metric.name == "http_request_seconds" for sample in metric.samples}


def test_fifty_made_up_methods_and_paths_add_no_series(system):
    system.client.request("BREW", "/made-up")  # the first of each kind may add its one series
    system.client.request("BREW", "/api/v1/reference")
    system.client.get("/made-up")
    before = series()
    for n in range(50):
        system.client.request(f"X-METHOD-{n}", f"/made-up/{n}")
        system.client.request(f"PROPFIND{n}", "/api/v1/reference")
        system.client.get(f"/made-up/path/{n}")
    assert series() == before
    methods = {dict(labels)["method"] for labels in before}
    assert "OTHER" in methods and not any(m.startswith(("X-METHOD", "PROPFIND", "BREW")) for m in methods)
