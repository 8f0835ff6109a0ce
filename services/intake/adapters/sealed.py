"""Every stored ciphertext of intake, table by table, read in key order and rewritten compare-and-set
(`complaints rotate-key`, service_layer/key_rotation.py).

Notify's outbound table holds no personal data (messages to departments' groups, stored as given) and
no other service encrypts anything: these three tables are all there is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.intake.adapters.tables import OUTBOUND_MESSAGES, ComplaintRow, WechatRecipientRow


@dataclass(frozen=True)
class SealedTable:
    table: sa.Table
    key: str  # the primary key column (one column: keyset pagination)
    columns: tuple[str, ...]  # ciphertext columns
    index: tuple[str, str] | None = None  # (ciphertext column, its keyed-hash column)

    @property
    def name(self) -> str:
        return self.table.name


SEALED_TABLES: tuple[SealedTable, ...] = (
    SealedTable(ComplaintRow.__table__, "id",  # type: ignore[attr-defined]  # SQLModel's table
                ("reporter_name_enc", "reporter_phone_enc", "citizen_token_enc"),
                index=("reporter_phone_enc", "reporter_phone_hmac")),
    SealedTable(WechatRecipientRow.__table__, "complaint_id", ("openid_enc",),  # type: ignore[attr-defined]
                index=("openid_enc", "openid_hmac")),
    SealedTable(OUTBOUND_MESSAGES, "key", ("recipient_enc", "body_enc")),
)


def read_batch(conn: Connection, sealed: SealedTable, *, after: str | None, limit: int) -> Sequence[Any]:
    """The next `limit` rows after the key `after` (None: from the start): key, ciphertexts, hash."""
    t = sealed.table
    wanted = [t.c[sealed.key], *(t.c[name] for name in sealed.columns)]
    if sealed.index is not None:
        wanted.append(t.c[sealed.index[1]])
    query = sa.select(*wanted).order_by(t.c[sealed.key]).limit(limit)
    if after is not None:
        query = query.where(t.c[sealed.key] > after)
    return conn.execute(query).mappings().all()


def swap(conn: Connection, sealed: SealedTable, key: str, old: dict[str, str], new: dict[str, str]) -> bool:
    """Write the new ciphertexts only where the row still holds the old ones (compare-and-set): a row a
    service changed or removed meanwhile is left as it is now. True when the row was rewritten."""
    t = sealed.table
    done: Any = conn.execute(t.update().where(t.c[sealed.key] == key, *(t.c[name] == value
                                                                        for name, value in old.items()))
                             .values(**new))
    return bool(done.rowcount)
