"""Bridges: one QObject per core service, each owning its thread and its database connection."""
