"""A small S3-compatible object store, in memory, for the Kafka-protocol test broker (tansu's `s3://` storage)
and anything else that speaks the S3 REST API on loopback: path-style buckets, PUT (conditional: `If-None-Match:
*` creates only, `If-Match: <etag>` replaces only that version; `x-amz-copy-source` copies), GET and HEAD (with
`Range`, `If-Match`, `If-None-Match`), DELETE, ListObjectsV2 (prefix, delimiter, continuation), bucket creation.
Signatures are not checked. One lock serialises every change, so a conditional write is atomic.

It exists because moto's server, which the tests use for intake's attachment store, answers the broker a few
dozen requests a second under load, far too slowly for the chaos run to kill and restart the broker; this one is
a dict behind `ThreadingHTTPServer`. `python -m services.fakes.object_store --port 9300 --bucket tansu`.
Not for production: nothing is kept when the process ends.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

MAX_KEYS = 1000


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    etag: str  # quoted, as S3 sends it
    modified: datetime
    content_type: str


class ObjectStore:
    """Buckets of objects in memory; every change under one lock."""

    def __init__(self, buckets: tuple[str, ...] = ()) -> None:
        self.lock = threading.Lock()
        self.buckets: dict[str, dict[str, StoredObject]] = {name: {} for name in buckets}

    def put(self, bucket: str, key: str, data: bytes, content_type: str, *, if_match: str | None,
            if_none_match: str | None) -> tuple[int, StoredObject | None]:
        with self.lock:
            objects = self.buckets.get(bucket)
            if objects is None:
                return 404, None
            current = objects.get(key)
            if if_none_match == "*" and current is not None:
                return 412, None
            if if_match is not None and (current is None or not _etag_matches(if_match, current.etag)):
                return 412 if current is not None else 404, None
            stored = StoredObject(data, '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"',
                                  datetime.now(UTC).replace(microsecond=0), content_type)
            objects[key] = stored
            return 200, stored

    def get(self, bucket: str, key: str) -> StoredObject | None:
        with self.lock:
            return self.buckets.get(bucket, {}).get(key)

    def delete(self, bucket: str, key: str) -> None:
        with self.lock:
            self.buckets.get(bucket, {}).pop(key, None)

    def keys(self, bucket: str) -> list[tuple[str, StoredObject]] | None:
        with self.lock:
            objects = self.buckets.get(bucket)
            return None if objects is None else sorted(objects.items())


def _etag_matches(header: str, etag: str) -> bool:
    wanted = [tag.strip() for tag in header.split(",")]
    return "*" in wanted or etag in wanted or etag.strip('"') in (w.strip('"') for w in wanted)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _list_xml(bucket: str, items: list[tuple[str, StoredObject]], query: dict[str, list[str]]) -> str:
    prefix = query.get("prefix", [""])[0]
    delimiter = query.get("delimiter", [""])[0]
    after = query.get("continuation-token", query.get("start-after", [""]))[0]
    limit = min(int(query.get("max-keys", [str(MAX_KEYS)])[0] or MAX_KEYS), MAX_KEYS)
    contents: list[tuple[str, StoredObject]] = []
    prefixes: list[str] = []
    last = ""
    truncated = False
    for key, stored in items:
        if not key.startswith(prefix) or (after and key <= after):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                common = key[:cut + len(delimiter)]
                if common in prefixes or (after and common <= after):
                    continue
                if len(contents) + len(prefixes) >= limit:
                    truncated = True
                    break
                prefixes.append(common)
                last = common
                continue
        if len(contents) + len(prefixes) >= limit:
            truncated = True
            break
        contents.append((key, stored))
        last = key
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
             f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
             f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{limit}</MaxKeys>",
             f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
    if delimiter:
        parts.append(f"<Delimiter>{escape(delimiter)}</Delimiter>")
    if truncated:
        parts.append(f"<NextContinuationToken>{escape(last)}</NextContinuationToken>")
    for key, stored in contents:
        parts.append(f"<Contents><Key>{escape(key)}</Key><LastModified>{_iso(stored.modified)}</LastModified>"
                     f"<ETag>{escape(stored.etag)}</ETag><Size>{len(stored.data)}</Size>"
                     "<StorageClass>STANDARD</StorageClass></Contents>")
    for common in prefixes:
        parts.append(f"<CommonPrefixes><Prefix>{escape(common)}</Prefix></CommonPrefixes>")
    parts.append("</ListBucketResult>")
    return "".join(parts)


def _error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{escape(message)}'
            "</Message></Error>").encode()


class _Handler(BaseHTTPRequestHandler):
    store: ObjectStore
    log: TextIO | None = None  # --log: one line per request (method, path, status)
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: the headers and the body go out in two writes, and with Nagle's algorithm the second waited
    # for the client's delayed ACK, ~40 ms per request on a kept-alive connection: tansu's fetch, which stops
    # after its max wait (the consumer's fetch_max_wait_ms), then returned one batch where it could return many.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # the base class's access log on stderr: not wanted

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.log is not None:
            self.log.write(f"{self.command} {self.path} {code} {self.headers.get('If-Match', '')}"
                           f"{self.headers.get('If-None-Match', '')} {self.headers.get('Range', '')}\n")
            self.log.flush()

    def _target(self) -> tuple[str, str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        path = unquote(parts.path).lstrip("/")
        bucket, _, key = path.partition("/")
        return bucket, key, parse_qs(parts.query, keep_blank_values=True)

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, *,
              head: bool = False, length: int | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if body and not head:
            self.wfile.write(body)

    def _fail(self, status: int, code: str, message: str) -> None:
        self._send(status, _error(code, message), {"Content-Type": "application/xml"})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        bucket, key, _query = self._target()
        data = self._body()
        if not key:  # CreateBucket
            with self.store.lock:
                self.store.buckets.setdefault(bucket, {})
            self._send(200, headers={"Location": "/" + bucket})
            return
        source = self.headers.get("x-amz-copy-source")
        if source is not None:
            from_bucket, _, from_key = unquote(source).lstrip("/").partition("/")
            found = self.store.get(from_bucket, from_key)
            if found is None:
                self._fail(404, "NoSuchKey", f"{source} does not exist")
                return
            data = found.data
        status, stored = self.store.put(bucket, key, data, self.headers.get("Content-Type") or
                                        "application/octet-stream", if_match=self.headers.get("If-Match"),
                                        if_none_match=self.headers.get("If-None-Match"))
        if stored is None:
            if status == 412:
                self._fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
            else:
                self._fail(404, "NoSuchKey" if key else "NoSuchBucket", f"{bucket}/{key}")
            return
        if source is not None:
            body = (f'<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>'
                    f"{_iso(stored.modified)}</LastModified><ETag>{escape(stored.etag)}</ETag></CopyObjectResult>")
            self._send(200, body.encode(), {"ETag": stored.etag, "Content-Type": "application/xml"})
        else:
            self._send(200, headers={"ETag": stored.etag})

    def do_GET(self) -> None:  # noqa: N802
        self._read(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._read(head=True)

    def _read(self, *, head: bool) -> None:
        bucket, key, query = self._target()
        if not key:
            items = self.store.keys(bucket)
            if items is None:
                self._fail(404, "NoSuchBucket", bucket)
            elif head:
                self._send(200, head=True)
            else:
                self._send(200, _list_xml(bucket, items, query).encode(), {"Content-Type": "application/xml"})
            return
        found = self.store.get(bucket, key)
        if found is None:
            self._fail(404, "NoSuchKey", f"{bucket}/{key}") if not head else self._send(404, head=True)
            return
        if_match, if_none = self.headers.get("If-Match"), self.headers.get("If-None-Match")
        if if_match is not None and not _etag_matches(if_match, found.etag):
            self._fail(412, "PreconditionFailed", "If-Match") if not head else self._send(412, head=True)
            return
        headers = {"ETag": found.etag, "Last-Modified": format_datetime(found.modified, usegmt=True),
                   "Content-Type": found.content_type, "Accept-Ranges": "bytes"}
        if if_none is not None and _etag_matches(if_none, found.etag):
            self._send(304, headers=headers, head=True, length=0)
            return
        data, status = found.data, 200
        wanted = self.headers.get("Range")
        if wanted and wanted.startswith("bytes="):
            start_text, _, end_text = wanted[6:].partition("-")
            size = len(data)
            if start_text:
                start, end = int(start_text), min(int(end_text) if end_text else size - 1, size - 1)
            else:  # the last N bytes
                start, end = max(size - int(end_text), 0), size - 1
            if start >= size or start > end:
                self._fail(416, "InvalidRange", wanted)
                return
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            data, status = data[start:end + 1], 206
        self._send(status, data, headers, head=head)

    def do_DELETE(self) -> None:  # noqa: N802
        bucket, key, _query = self._target()
        self.store.delete(bucket, key)
        self._send(204)

    def do_POST(self) -> None:  # noqa: N802 - multipart uploads and batch deletes are not needed here
        self._body()
        self._fail(501, "NotImplemented", f"POST {quote(self.path)}")


def serve(port: int, buckets: tuple[str, ...] = (), host: str = "127.0.0.1",
          log: TextIO | None = None) -> ThreadingHTTPServer:
    """A server bound to (host, port), not yet serving: call serve_forever() (in a thread, say)."""
    handler = type("Handler", (_Handler,), {"store": ObjectStore(buckets), "log": log})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--bucket", action="append", default=[], help="a bucket to create (repeatable)")
    parser.add_argument("--log", help="a file to write one line per request to")
    args = parser.parse_args(argv)
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115 - open while serving
    serve(args.port, tuple(args.bucket), args.host, log).serve_forever()


if __name__ == "__main__":
    main()
