"""Routing's domain: pure Python, no framework, no database."""
