"""Alembic revisions (one module per revision; see ``cashier_tui.storage.migrate.HEAD``)."""
