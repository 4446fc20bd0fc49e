"""Alembic, one migration history per service (``services/<service>/migrations``).

Each service's ``env.py`` calls ``run_env``; ``upgrade`` / ``downgrade`` drive it from code,
so ``sunlight migrate`` and the tests need no alembic.ini.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, TypeDecorator

from services.shared.db import create_service_engine, ensure_schema


def config(script_location: Path, url: str, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["url"] = url
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(script_location: Path, url: str, schema: str, revision: str = "head") -> None:
    command.upgrade(config(script_location, url, schema), revision)


def downgrade(script_location: Path, url: str, schema: str, revision: str = "base") -> None:
    command.downgrade(config(script_location, url, schema), revision)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's migrations/env.py (online mode only)."""
    cfg = context.config
    url, schema = cfg.attributes["url"], cfg.attributes["schema"]
    engine = create_service_engine(url, schema)
    ensure_schema(engine, schema)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema if engine.dialect.name == "postgresql" else None,
            render_as_batch=engine.dialect.name == "sqlite",
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def _render_item(type_, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Render our type decorators as their plain SQLAlchemy type in migration scripts."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def revision(script_location: Path, url: str, schema: str, message: str) -> None:
    """Autogenerate a new revision from the difference between tables and database."""
    command.upgrade(config(script_location, url, schema), "head")
    command.revision(config(script_location, url, schema), message=message, autogenerate=True)
