"""Code shared by the three services: event contracts, the event bus, and small infrastructure.

Services share contracts, not models: tables and aggregates never leave their service.
"""
