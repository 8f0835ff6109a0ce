"""Topic names: the same on the embedded event log and on Kafka."""

from __future__ import annotations

import re

from shared.contracts.codes import DEPARTMENTS

RECEIVED = "complaints.received"
LIFECYCLE = "complaints.lifecycle"
DISPATCH_PREFIX = "complaints.dispatch."
DLQ_SUFFIX = ".dlq"

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def dispatch(department: str) -> str:
    """The topic a department's own system can subscribe to (complaints.dispatch.<department>)."""
    topic = f"{DISPATCH_PREFIX}{department}"
    if not _TOPIC_NAME.match(topic):
        raise ValueError(f"department code {department!r} cannot be part of a topic name")
    return topic


def dlq(topic: str) -> str:
    return topic + DLQ_SUFFIX


def all_topics() -> list[str]:
    """Every topic the system uses, dead-letter topics included, for explicit creation at start-up."""
    main = [RECEIVED, LIFECYCLE, *(dispatch(code) for code in DEPARTMENTS)]
    return main + [dlq(t) for t in (RECEIVED, LIFECYCLE)]
