"""Storage: SQLModel tables, engines with the right locking, Alembic migrations."""
