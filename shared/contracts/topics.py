"""Topic names: the same on the embedded event log and on Kafka."""

from __future__ import annotations

import re

RECEIVED = "complaints.received"
LIFECYCLE = "complaints.lifecycle"
REFERENCE = "complaints.reference"  # reference data for others' read models: departments (routing), knowledge (intake)
ACCOUNTS = "complaints.accounts"  # intake's staff accounts: ended sessions, for the others' token checks
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


CONSUMED = (RECEIVED, LIFECYCLE, REFERENCE, ACCOUNTS)  # topics some service consumes: each has a dead-letter topic


def fixed_topics() -> list[str]:
    """The topics that exist whatever the departments are, dead-letter topics included.

    A department's dispatch topic is created with the department (routing asks the bus for it).
    """
    return [*CONSUMED, *(dlq(t) for t in CONSUMED)]
