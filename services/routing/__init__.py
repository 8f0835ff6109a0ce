"""Routing (分拨): classifies each complaint, routes it to a department by rules that are data,
and runs the dispatcher workflow — sign for (签收), reply (回复), return (退单), extension (延期) —
plus triage (人工分拨) for cases no rule can route with confidence."""
