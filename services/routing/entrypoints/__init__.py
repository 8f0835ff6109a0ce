"""HTTP routes and event consumers of the routing service."""
