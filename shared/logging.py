"""Structured JSON logs carrying the complaint id and a correlation id through events."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
complaint_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("complaint_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        if complaint := complaint_id.get():
            entry["complaint_id"] = complaint
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = describe_exception(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False)


def describe_exception(exc: BaseException) -> str:
    """The exception's type and where it was raised (the frames), for each exception in its chain, but
    not its message: messages quote input (a validation error's value, a database's "Key (phone)=(...)"),
    and personal data or complaint text must not reach a log line."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}\n{_frames(current.__traceback__)}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\nwhich was caused by: ".join(parts)


def _frames(tb: TracebackType | None) -> str:
    return "".join(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
                   for frame in traceback.extract_tb(tb))


def configure(level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kafka").setLevel("WARNING")
