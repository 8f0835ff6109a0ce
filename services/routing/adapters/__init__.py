"""Tables and repositories of the routing service."""
