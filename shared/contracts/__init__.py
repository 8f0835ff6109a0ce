"""Contracts between services: value codes, the CloudEvents envelope, versioned payloads, topics."""
