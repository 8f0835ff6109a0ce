"""notify_0002 moves the warning state of existing cases into notify_clocks (and back on downgrade)."""

from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from services.notify.adapters.tables import ClockRow
from services.notify.bootstrap import MIGRATIONS, VERSION_TABLE, migrate
from shared.migrations import config_for
from tests.notify.factories import T0


def downgrade(engine, revision: str) -> None:
    cfg = config_for(MIGRATIONS, VERSION_TABLE)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def columns(engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


OLD_CASE = sa.text(
    "INSERT INTO notify_cases (complaint_id, status, department, urgent, received_at, assign_due, assigned_at, "
    "last_assigned_at, accept_due, accepted_at, reply_due, reply_round, valid, assign_cycle, assign_level, "
    "accept_cycle, accept_level, reply_cycle, reply_level, updated_at) VALUES "
    "(:id, :status, :department, false, :received, :assign_due, :assigned, :assigned, :accept_due, :accepted, "
    ":reply_due, 1, true, 1, :assign_level, :accept_cycle, 'none', :reply_cycle, :reply_level, :received)")


def test_existing_cases_keep_their_deadlines_cycles_and_levels_across_the_move(engine):
    downgrade(engine, "notify_0001")
    assert {"valid", "merged_into", "reply_level"} <= columns(engine, "notify_cases")
    day = timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(OLD_CASE, dict(id="routed", status="accepted", department="ecology_env", received=T0,
                                    assign_due=T0 + day, assigned=T0, accept_due=T0 + day, accepted=T0,
                                    reply_due=T0 + 9 * day, assign_level="none", accept_cycle=1, reply_cycle=2,
                                    reply_level="yellow"))
        conn.execute(OLD_CASE, dict(id="waiting", status="triage", department=None, received=T0,
                                    assign_due=T0 + day, assigned=None, accept_due=None, accepted=None,
                                    reply_due=None, assign_level="red", accept_cycle=0, reply_cycle=0,
                                    reply_level="none"))
    migrate(engine)

    assert not {"valid", "merged_into", "reply_level", "reply_due"} & columns(engine, "notify_cases")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT complaint_id, clock, cycle, last_level FROM notify_clocks "
                                    "ORDER BY complaint_id, clock")).all()
    assert [tuple(r) for r in rows] == [("routed", "accept", 1, "none"), ("routed", "assign", 1, "none"),
                                        ("routed", "reply", 2, "yellow"), ("waiting", "assign", 1, "red")]
    with Session(engine) as session:
        reply = session.get(ClockRow, ("routed", "reply"))
        assert (reply.start, reply.due) == (T0, T0 + 9 * day)

    downgrade(engine, "notify_0001")
    with engine.connect() as conn:
        back = conn.execute(sa.text("SELECT reply_cycle, reply_level, accept_cycle FROM notify_cases "
                                    "WHERE complaint_id = 'routed'")).one()
    assert tuple(back) == (2, "yellow", 1)
    migrate(engine)
