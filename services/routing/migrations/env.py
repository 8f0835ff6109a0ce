from services.routing.adapters.tables import TABLES
from shared.migrations import run_env

run_env(TABLES[0].metadata, [t.name for t in TABLES])
