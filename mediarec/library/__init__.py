"""The library database: schema, migrations and the stores; the only package that writes SQL."""
from .db import DatabaseError, Library
from .migrate import DatabaseTooNew

__all__ = ["Library", "DatabaseError", "DatabaseTooNew"]
