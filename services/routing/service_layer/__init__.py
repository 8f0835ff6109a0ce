"""Handlers, unit of work and read views of the routing service."""
