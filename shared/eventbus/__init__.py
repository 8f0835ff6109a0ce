"""The event bus port and its embedded backend (the database event log).

- `tables`: outbox (= the embedded log), consumer offsets, inbox, dead letters.
- `outbox`: how a unit of work appends its events in the same transaction as its rows.
- `consumer`: the backend-neutral delivery rules (inbox de-duplication, retries, parking).
- `port`: what a backend provides; `dblog`: the database log backend; Kafka lives in `kafka_bus`
  (the only module importing kafka), with `relay` (outbox → transport) and `dead_letters` (the
  `.dlq` journal), which do not.
"""
