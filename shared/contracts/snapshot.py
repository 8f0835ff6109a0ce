"""Event schema snapshots: `python -m shared.contracts.snapshot` writes them after an announced change.

A payload schema that differs from its snapshot fails the tests; a new version is a new class.
"""

from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.events import PAYLOADS

SNAPSHOTS = Path(__file__).parent / "schemas"


def schema_of(event_type: str) -> dict:  # type: ignore[type-arg]
    return PAYLOADS[event_type].model_json_schema()


def path_of(event_type: str) -> Path:
    return SNAPSHOTS / f"{event_type}.json"


def render(event_type: str) -> str:
    return json.dumps(schema_of(event_type), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    SNAPSHOTS.mkdir(exist_ok=True)
    for event_type in PAYLOADS:
        path_of(event_type).write_text(render(event_type), encoding="utf-8")
        print(f"wrote {path_of(event_type).name}")


if __name__ == "__main__":
    main()
