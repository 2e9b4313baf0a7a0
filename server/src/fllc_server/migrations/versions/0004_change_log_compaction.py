"""change log compaction: a whole log again, and its compaction mark

Revision ID: 0004
Revises: 0003

The sync change log is no longer cut at the newest `change_log_retention` seqs but compacted
(`sync.repository`): it keeps the newest change of every entity, so that a pull from 0 is a whole
snapshot. A log pruned the old way lacks the entities whose last change was cut: each live one of
the types sync serves gets an upsert at the end of the log (devices that hold it get it again,
which changes nothing). The compaction mark `sync.change_log_compacted` starts at the floor (every
seq at or below it was deleted); the era's `sync.change_log_whole_from` has no reader left.

No index: compaction looks changes up by (entity_type, entity_id, seq), which ix_change_log_entity
already is on both backends (InnoDB appends the primary key to a secondary index, SQLite the rowid
that the INTEGER PRIMARY KEY seq is).

Downgrade removes the mark; the added upserts stay (the log is only more whole for them).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FLOOR = "sync.change_log_floor"
COMPACTED = "sync.change_log_compacted"
WHOLE_FROM = "sync.change_log_whole_from"
# sync.repository.SNAPSHOT at this revision: (entity_type, table), referenced rows first.
SNAPSHOT = (
    ("location", "locations"), ("category", "categories"), ("supplier", "suppliers"),
    ("product", "products"), ("purchase_order", "purchase_orders"),
)

settings = sa.table(
    "settings", sa.column("key", sa.String), sa.column("value", sa.JSON), sa.column("updated_at", sa.DateTime)
)


def _setting(connection: sa.Connection, key: str) -> int | None:
    value = connection.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()
    return None if value is None else int(value)


def upgrade() -> None:
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # UTCDateTime stores naive UTC
    floor = _setting(connection, FLOOR) or 0
    if floor > 0:  # the old pruning ran: put back every live entity it cut
        inspector = sa.inspect(connection)
        for entity_type, table in SNAPSHOT:
            soft = "deleted_at" in {column["name"] for column in inspector.get_columns(table)}
            live = "t.deleted_at IS NULL AND " if soft else ""
            connection.execute(
                sa.text(
                    "INSERT INTO change_log (entity_type, entity_id, action, created_at) "  # noqa: S608
                    f"SELECT :type, t.id, 'upsert', :now FROM {table} t WHERE {live}NOT EXISTS "
                    "(SELECT 1 FROM change_log c WHERE c.entity_type = :type AND c.entity_id = t.id) "
                    "ORDER BY t.id"
                ),
                {"type": entity_type, "now": now},
            )
    connection.execute(settings.delete().where(settings.c.key.in_([WHOLE_FROM, COMPACTED])))
    if floor > 0:  # (without the row the mark is the floor, and an empty database stays empty)
        connection.execute(settings.insert().values(key=COMPACTED, value=floor, updated_at=now))


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(settings.delete().where(settings.c.key == COMPACTED))
