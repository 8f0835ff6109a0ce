from shared.eventbus.tables import EVENTBUS_TABLES
from shared.migrations import run_env

run_env(EVENTBUS_TABLES[0].metadata, [t.name for t in EVENTBUS_TABLES])
