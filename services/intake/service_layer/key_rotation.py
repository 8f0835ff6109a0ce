"""`complaints rotate-key`: every stored ciphertext re-encrypted with the current key, while the services run.

Table by table (adapters/sealed.py), in batches in key order, each batch its own transaction: a value
already under the current key is left alone (its signature is checked, nothing decrypted), any other is
decrypted with the configured keys and encrypted again with the current one, written compare-and-set (a
row a service changed meanwhile keeps the service's value, which is under the current key already when
the service runs with the new settings). Interrupted, it is simply run again: what was done is skipped,
so a second run changes nothing. `--check` writes nothing and counts what still needs an old key,
what no configured key can read, and hashes (the phone and OpenID index) that do not match the index key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.sealed import SEALED_TABLES, SealedTable, read_batch, swap
from services.intake.domain.complaint import normalize_phone

DEFAULT_BATCH = 500
INDEX_SAMPLE = 200  # rows whose index hash is checked before re-encrypting anything


@dataclass
class TableTally:
    table: str
    rows: int = 0  # rows read
    values: int = 0  # ciphertexts seen
    current: int = 0  # values already under the current key
    old: int = 0  # values under an old key: rewritten (rotate), or still to rewrite (check)
    old_rows: int = 0  # rows with a value under an old key (check)
    rewritten_rows: int = 0
    changed_meanwhile: int = 0  # rows a service changed between our read and our write (left as they are)
    unreadable: int = 0  # values no configured key decrypts
    index_checked: int = 0
    index_mismatches: int = 0
    batches: int = 0

    def line(self, *, check: bool) -> str:
        if check:
            index = (f"; index {self.index_checked} checked, {self.index_mismatches} not matching"
                     if self.index_checked else "")
            return (f"{self.table}: {self.rows} rows, {self.old_rows} still use an old key ({self.values} encrypted "
                    f"values: {self.current} under the current key, {self.old} under an old key, {self.unreadable} "
                    f"unreadable){index}")
        return (f"{self.table}: {self.rows} rows read, {self.rewritten_rows} rewritten ({self.old} values "
                f"re-encrypted, {self.current} already current), {self.changed_meanwhile} changed meanwhile "
                f"(run again), {self.unreadable} unreadable")


@dataclass
class RotationReport:
    check: bool
    tables: list[TableTally] = field(default_factory=list)

    @property
    def old(self) -> int:
        return sum(t.old for t in self.tables)

    @property
    def old_rows(self) -> int:
        return sum(t.old_rows for t in self.tables)

    @property
    def unreadable(self) -> int:
        return sum(t.unreadable for t in self.tables)

    @property
    def changed_meanwhile(self) -> int:
        return sum(t.changed_meanwhile for t in self.tables)

    @property
    def index_mismatches(self) -> int:
        return sum(t.index_mismatches for t in self.tables)

    @property
    def finished(self) -> bool:
        """Nothing needs an old key any more (the old keys can be dropped) and everything is readable."""
        if self.check:
            return self.old == 0 and self.unreadable == 0
        return self.changed_meanwhile == 0 and self.unreadable == 0


Progress = Callable[[TableTally], None]


def _indexed(sealed: SealedTable, clear: str) -> str | None:
    """What the index hashes: a phone number normalised as when it was stored, an OpenID as it is."""
    return normalize_phone(clear) if sealed.index and sealed.index[0] == "reporter_phone_enc" else clear


def _check_index(sealed: SealedTable, row: dict[str, str | None], cipher: FieldCipher, tally: TableTally) -> None:
    if sealed.index is None:
        return
    column, hash_column = sealed.index
    sealed_value, stored = row[column], row[hash_column]
    if not sealed_value or not stored or not cipher.readable(sealed_value):
        return
    value = _indexed(sealed, cipher.decrypt(sealed_value) or "")
    if value is None:
        return
    tally.index_checked += 1
    if cipher.index(value) != stored:
        tally.index_mismatches += 1


def index_sample(engine: Engine, cipher: FieldCipher, limit: int = INDEX_SAMPLE) -> tuple[int, int]:
    """(checked, mismatching) index hashes of the first rows of each indexed table: every one of them
    not matching means the index key is not the one the hashes were made with (ENCRYPTION_INDEX_KEY)."""
    checked = mismatching = 0
    reader = engine.execution_options(read_only=True)
    for sealed in SEALED_TABLES:
        if sealed.index is None:
            continue
        tally = TableTally(sealed.name)
        with reader.begin() as conn:
            for row in read_batch(conn, sealed, after=None, limit=limit):
                _check_index(sealed, dict(row), cipher, tally)
        checked, mismatching = checked + tally.index_checked, mismatching + tally.index_mismatches
    return checked, mismatching


def rotate_keys(engine: Engine, cipher: FieldCipher, *, check: bool = False, batch: int = DEFAULT_BATCH,
                progress: Progress | None = None) -> RotationReport:
    """Re-encrypt (or, `check`, count) every ciphertext of every sealed table; see the module's docstring."""
    report = RotationReport(check=check)
    for sealed in SEALED_TABLES:
        tally = TableTally(sealed.name)
        report.tables.append(tally)
        after: str | None = None
        while True:
            if check:
                with engine.execution_options(read_only=True).begin() as conn:
                    rows = read_batch(conn, sealed, after=after, limit=batch)
                    for row in rows:
                        _count(sealed, dict(row), cipher, tally)
                        _check_index(sealed, dict(row), cipher, tally)
            else:
                with engine.begin() as conn:  # one batch, one transaction
                    rows = read_batch(conn, sealed, after=after, limit=batch)
                    for row in rows:
                        _rotate(conn, sealed, dict(row), cipher, tally)
            if not rows:
                break
            tally.rows += len(rows)
            tally.batches += 1
            after = rows[-1][sealed.key]
            if progress is not None:
                progress(tally)
    return report


def _count(sealed: SealedTable, row: dict[str, str | None], cipher: FieldCipher, tally: TableTally) -> None:
    old = tally.old
    for name in sealed.columns:
        value = row[name]
        if not value:
            continue
        tally.values += 1
        if cipher.is_current(value):
            tally.current += 1
        elif cipher.readable(value):
            tally.old += 1
        else:
            tally.unreadable += 1
    tally.old_rows += tally.old > old


def _rotate(conn: Connection, sealed: SealedTable, row: dict[str, str | None], cipher: FieldCipher,
            tally: TableTally) -> None:
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    for name in sealed.columns:
        value = row[name]
        if not value:
            continue
        tally.values += 1
        if cipher.is_current(value):
            tally.current += 1
            continue
        try:
            new[name] = cipher.reencrypt(value)
        except ValueError:
            tally.unreadable += 1
            continue
        old[name] = value
    if not new:
        return
    if swap(conn, sealed, str(row[sealed.key]), old, new):
        tally.rewritten_rows += 1
        tally.old += len(new)
    else:
        tally.changed_meanwhile += 1
