"""What ``sunlight supervision dead-letters`` makes of a message (``_of``) and how ``--drop``
keeps it (``pki.write_private``): whole lines on the disk, or nothing."""

from __future__ import annotations

import errno
import hashlib
import json
from types import SimpleNamespace

import pytest

from services.shared import dead_letters, pki
from services.shared.dead_letters import _of
from services.shared.pki import write_private


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


def test_the_archive_is_written_whole_by_its_owner_only_or_not_at_all(tmp_path,
                                                                     monkeypatch) -> None:
    """``drop_dead_letters`` keeps the archive with ``pki.write_private``: the new lines in
    place in one step, 0600 in 0700 directories; a write that fails (a full disk) leaves the
    archive as it was, and nothing beside it."""
    archive = tmp_path / "var" / "510000" / "dead-letters" / "dropped.jsonl"
    write_private(archive, b'{"n": 1}\n')
    write_private(archive, archive.read_bytes() + b'{"n": 2}\n')
    assert [json.loads(line)["n"] for line in archive.read_text().splitlines()] == [1, 2]
    assert archive.stat().st_mode & 0o777 == 0o600
    assert all(d.stat().st_mode & 0o777 == 0o700 for d in (
        archive.parent, archive.parent.parent, archive.parent.parent.parent))

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pki.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_private(archive, archive.read_bytes() + b'{"n": 3}\n')
    monkeypatch.undo()
    assert archive.read_bytes() == b'{"n": 1}\n{"n": 2}\n'
    assert sorted(p.name for p in archive.parent.iterdir()) == ["dropped.jsonl"]
