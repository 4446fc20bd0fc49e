"""The hall process: ``python -m services.hall.server``."""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from services.hall.app import Access, compile_templates, create_app
from services.hall.apply import Applying
from services.hall.backend import HallBackend
from services.hall.drafts import DraftStore
from services.hall.identity.accounts import AccountStore
from services.hall.identity.local import LocalIdentityProvider, SignInLimits
from services.hall.sessions import session_key
from services.hall.sign_in_audit import SignInAudit, audit_key
from services.hall.storage import MB, Limits, file_store
from services.hall.tokens import TokenMinter
from services.shared.config import Settings, load_settings
from services.shared.db import Database, database_url
from services.shared.heap import freeze_start_up_objects
from services.shared.logs import configure_logging
from services.shared.metrics import configure_metrics
from services.shared.migrations import upgrade
from services.shared.rate_limits import RateLimits
from services.shared.telemetry import configure_tracing

SERVICE = "hall"
MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def migrate() -> None:
    """The hall's own tables (its local accounts)."""
    settings = load_settings()
    upgrade(MIGRATIONS, database_url(settings, SERVICE), SERVICE)


def identity_provider(settings: Settings, db: Database | None = None
                      ) -> LocalIdentityProvider:
    """The local identity provider on the hall's database (also what `sunlight accounts`
    uses)."""
    store = AccountStore(db or Database.for_service(settings, SERVICE, pool_size=4))
    return LocalIdentityProvider(store, settings.node_region, limits=SignInLimits.of(
        settings.rate_limit_sign_in_account, settings.rate_limit_sign_in_client),
        demo_accounts=settings.demo_data)


def sign_in_audit(settings: Settings, db: Database | None = None) -> SignInAudit:
    """The audit of sign-ins in the hall's database (also what `sunlight audit sign-ins`
    reads)."""
    return SignInAudit(db or Database.for_service(settings, SERVICE, pool_size=2),
                       audit_key(settings.token_key))


def access_of(settings: Settings, provider: LocalIdentityProvider,
              db: Database | None = None) -> Access:
    return Access(provider, TokenMinter(settings.token_key, settings.node_region),
                  session_key(settings.token_key), settings.hall_session_ttl_s,
                  settings.hall_secure_cookies, settings.hall_live_poll_s,
                  sign_ins=sign_in_audit(settings, db) if db is not None else None)


def applying_of(settings: Settings, db: Database) -> Applying:
    """Drafts in the hall's database; uploaded files under var/<region>/files, or in an
    S3-compatible bucket (``file_store``)."""
    return Applying(DraftStore(db), file_store(settings),
                    Limits(settings.hall_max_file_mb * MB,
                           settings.hall_max_application_mb * MB))


def build(settings: Settings) -> tuple[FastAPI, HallBackend]:
    backend = HallBackend.from_settings(settings)
    db = Database.for_service(settings, SERVICE, pool_size=4)
    # Days left are counted by the case service (its calendar, stopped time left out).
    app = create_app(backend, settings.node_name, rates=RateLimits.of(settings),
                     access=access_of(settings, identity_provider(settings, db), db),
                     applying=applying_of(settings, db), threads=settings.hall_threads)
    compile_templates(app)
    return app, backend


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing(SERVICE, settings.node_region, settings.otel_exporter_otlp_endpoint)
    configure_metrics(SERVICE, settings.node_region)
    app, backend = build(settings)
    log.info("hall on http://%s:%s", settings.bind_host, settings.hall_port)
    # uvicorn stops gracefully on SIGTERM / SIGINT and raises the signal again once stopped:
    # these handlers take that second delivery, so the process ends normally.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    freeze_start_up_objects()
    try:
        uvicorn.run(app, host=settings.bind_host, port=settings.hall_port, log_config=None,
                    access_log=False, timeout_graceful_shutdown=10)
    finally:
        backend.close()


if __name__ == "__main__":
    main()
