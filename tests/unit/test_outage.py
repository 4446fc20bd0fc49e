"""``services.monitoring.projection.is_outage``: which database errors make supervision's
worker wait and try an event again (an outage) and which are the event's own (a bug: retried a
few times, then dead-lettered)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import exc as sa

from services.monitoring.projection import is_outage


def wrapped(error: Exception, invalidated: bool = False) -> sa.DBAPIError:
    """As SQLAlchemy raises a driver's error."""
    return sa.DBAPIError.instance("SELECT 1", {}, error, psycopg.Error,
                                  connection_invalidated=invalidated)


@pytest.mark.parametrize("error", [
    psycopg.OperationalError("server closed the connection unexpectedly"),
    errors.DeadlockDetected("deadlock detected"),
    errors.QueryCanceled("canceling statement due to statement timeout"),
    errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction"),
    errors.IdleInTransactionSessionTimeout("terminating connection due to idle timeout"),
    psycopg.InterfaceError("the connection is closed"),
    sa.TimeoutError("QueuePool limit reached"),
])
def test_an_unavailable_database_is_an_outage(error: Exception) -> None:
    assert is_outage(error)
    if isinstance(error, psycopg.Error):
        assert is_outage(wrapped(error))  # as SQLAlchemy raises it


@pytest.mark.parametrize("error", [
    psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
    errors.UniqueViolation("duplicate key value violates unique constraint"),
    errors.StringDataRightTruncation("value too long for type character varying(6)"),
    ValueError("no case_number"),
])
def test_what_the_database_refuses_of_an_event_is_no_outage(error: Exception) -> None:
    assert not is_outage(error)
    if isinstance(error, psycopg.Error):
        assert not is_outage(wrapped(error))
        assert is_outage(wrapped(error, invalidated=True))  # the connection went with it
