"""What ``sunlight supervision dead-letters`` makes of a message (``_of``) and how ``--drop``
keeps it (``_append_durably``): whole lines on the disk, or nothing."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from types import SimpleNamespace

import pytest

from services.shared import dead_letters
from services.shared.dead_letters import _append_durably, _of


def letter_of(body: bytes, message_id: str | None = None) -> dead_letters.DeadLetter:
    method = SimpleNamespace(routing_key="case.accepted")
    properties = SimpleNamespace(message_id=message_id, type=None, headers={"x-death": [
        {"queue": "evt-q", "exchange": "cases.events", "reason": "rejected", "count": 1}]})
    return _of(method, properties, body)


@pytest.mark.parametrize("body", [b"\xff\xfe", b"[" * 100_000, b"", b"42", b'{"type": 1}'])
def test_a_body_that_is_no_event_is_named_by_its_hash(body: bytes) -> None:
    letter = letter_of(body)
    assert letter.event_id == f"sha256:{hashlib.sha256(body).hexdigest()[:16]}"
    assert (letter.queue, letter.reason, letter.deaths) == ("evt-q", "rejected", 1)


def test_a_message_id_or_the_envelopes_event_id_names_it_first() -> None:
    assert letter_of(b'{"event_id": "e1"}', "m1").event_id == "m1"
    assert letter_of(b'{"event_id": "e1", "type": "case.accepted"}').event_id == "e1"


def test_appends_whole_lines_to_a_file_only_its_owner_reads(tmp_path) -> None:
    archive = tmp_path / "var" / "510000" / "dead-letters" / "dropped.jsonl"
    _append_durably(archive, b'{"n": 1}\n')
    _append_durably(archive, b'{"n": 2}\n{"n": 3}\n')
    assert [json.loads(line)["n"] for line in archive.read_text().splitlines()] == [1, 2, 3]
    assert archive.stat().st_mode & 0o777 == 0o600
    assert archive.parent.stat().st_mode & 0o077 == 0


def test_a_write_that_fails_half_way_leaves_the_file_as_it_was(tmp_path, monkeypatch) -> None:
    archive = tmp_path / "dropped.jsonl"
    _append_durably(archive, b'{"n": 1}\n')
    real_write = os.write

    def disk_full_after_a_few_bytes(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        if len(data) > 5:
            return real_write(fd, bytes(data[:5]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dead_letters.os, "write", disk_full_after_a_few_bytes)
    with pytest.raises(OSError, match="No space"):
        _append_durably(archive, b'{"n": 2, "body": "long enough"}\n')
    monkeypatch.undo()
    assert archive.read_bytes() == b'{"n": 1}\n'
    _append_durably(archive, b'{"n": 3}\n')
    assert [json.loads(line)["n"] for line in archive.read_text().splitlines()] == [1, 3]
