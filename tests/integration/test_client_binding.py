"""Client-side binding of the hot paths' scripts (``services.shared.db.run_script``,
``literal_rows``): the same bytes psycopg's ``ClientCursor.mogrify`` writes, for every kind of
value the units of work send, and values that come back as they went in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import ClientCursor

from services.shared.db import _literal, bind, literal_rows, run_script

pytestmark = pytest.mark.integration

VALUES = [
    None, "", "plain", "it's", "back\\slash", "percent % and %% and %(x)s", "申请人：张三",
    "line\nbreak\ttab", "emoji 😀", "nul-free \x01 control", 0, -1, 2**62, True, False,
    3.25, b"\x00\xffbytes", date(2026, 11, 30),
    datetime(2026, 11, 30, 8, 1, 2, 345678, tzinfo=UTC),
    datetime(2026, 11, 30, 16, 1, 2, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 30, 8, 1, 2), ["a", "b'c"], {"k": "v"},
]


@pytest.fixture()
def conn(pg_database):
    with psycopg.connect(pg_database.url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_statement_is_bound_as_mogrify_binds_it(conn, value):
    if isinstance(value, dict | list):
        value = psycopg.types.json.Jsonb(value) if isinstance(value, dict) else value
    sql = "SELECT %(a)s AS a, '100%%' AS b, %(a)s IS NULL AS c, %(other)s AS d"
    params = {"a": value, "other": "x"}
    expected = ClientCursor(conn).mogrify(sql, params).encode()
    assert bind(sql, params, _literal(conn), conn.info.encoding) == expected


def test_statements_without_parameters_go_as_they_are(conn):
    assert bind("SELECT '100%%'", None, _literal(conn)) == b"SELECT '100%%'"
    (rows,) = run_script(conn, [("SELECT '100%%' AS p", None)])
    assert rows == [("100%%",)]


def test_a_script_round_trips_every_value(conn):
    texts = [v for v in VALUES if isinstance(v, str)]
    results = run_script(conn, [
        ("BEGIN", None),
        *[("SELECT %(v)s::text", {"v": v}) for v in texts],
        ("SELECT %(n)s::bigint, %(t)s::timestamptz, %(d)s::date, %(b)s::bytea",
         {"n": 2**62, "t": VALUES[18], "d": date(2026, 11, 30), "b": b"\x00\xff"}),
        ("COMMIT", None)])
    assert [r[0][0] for r in results[1:1 + len(texts)]] == texts
    assert results[-2] == [(2**62, VALUES[18], date(2026, 11, 30), b"\x00\xff")]


def test_literal_rows_match_mogrify_row_by_row(conn):
    rows = [("a'b", 1, None, VALUES[18]), ("申请", -5, True, VALUES[19])]
    cursor = ClientCursor(conn)
    expected = ", ".join(cursor.mogrify("(%s, %s, %s, %s)", row) for row in rows)
    assert literal_rows(conn, rows) == expected
    found = conn.execute(f"SELECT * FROM (VALUES {literal_rows(conn, rows)}) AS v").fetchall()
    assert found == [("a'b", 1, None, VALUES[18]), ("申请", -5, True, VALUES[19])]


def test_a_missing_parameter_is_an_error_not_sql(conn):
    with pytest.raises(KeyError):
        bind("SELECT %(a)s, %(b)s", {"a": 1}, _literal(conn))
