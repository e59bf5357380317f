"""The extractors; every module here registers one or more with @register (imported by registry.py)."""
