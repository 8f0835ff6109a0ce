"""Intake (受理): takes every report from every channel, gives a tracking code at once, keeps the
citizen's view of the case current, takes ratings, and holds the accounts (the front door)."""
