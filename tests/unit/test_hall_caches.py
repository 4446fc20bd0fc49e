"""What the hall and the case service keep a moment: the public guide's catalogue reads, the
material names of published item versions (which never change), the totals of long queues."""

from __future__ import annotations

import pytest
from sunlight.catalogue.v1 import catalogue_pb2 as cpb

from services.cases.repository import RecentCounts
from services.hall.backend import HallBackend, Recent


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Catalogue:
    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []
        self.fail = False

    def GetItemVersion(self, request, timeout, metadata):  # type: ignore[no-untyped-def]
        self.asked.append((request.item_id, request.version))
        if self.fail:
            raise RuntimeError("catalogue down")
        return cpb.GetItemVersionResponse(item=cpb.ItemVersion(
            item_id=request.item_id, version=request.version or 3,
            content=cpb.ItemDraft(name="食品经营许可", materials=[
                cpb.Material(key="form", name="申请书"), cpb.Material(name="营业执照")])))


def test_answers_are_kept_for_their_time_and_errors_never() -> None:
    clock = Clock()
    kept = Recent(5.0, clock)
    calls: list[int] = []

    def fetch() -> int:
        calls.append(1)
        return len(calls)

    assert kept.get("a", fetch) == 1
    clock.now += 4.9
    assert kept.get("a", fetch) == 1  # still kept
    clock.now += 0.2
    assert kept.get("a", fetch) == 2  # asked again once its time is over

    def failing() -> int:
        raise RuntimeError("down")

    with pytest.raises(RuntimeError):
        kept.get("b", failing)
    assert kept.get("b", fetch) == 3  # the failure was not kept
    none_kept = Recent(0, clock)
    assert [none_kept.get("a", fetch), none_kept.get("a", fetch)] == [4, 5]


def test_material_names_of_a_published_version_are_asked_for_once() -> None:
    catalogue = Catalogue()
    backend = HallBackend(catalogue, None, lambda: "Bearer hall", 5.0)
    names = {"form": "申请书", "m2": "营业执照"}
    assert backend.material_names("it-1", 2) == names
    catalogue.fail = True
    assert backend.material_names("it-1", 2) == names  # a version never changes
    with pytest.raises(RuntimeError):
        backend.material_names("it-1", 0)  # "the version in force" is never kept
    assert catalogue.asked == [("it-1", 2), ("it-1", 0)]
    backend.close()


def test_the_guide_reads_the_catalogue_at_most_once_in_its_time() -> None:
    catalogue = Catalogue()
    backend = HallBackend(catalogue, None, lambda: "Bearer hall", 5.0, public_cache_s=5.0)
    backend._public.clock = clock = Clock()
    assert backend.item_in_force("it-1").version == 3
    assert backend.item_in_force("it-1").version == 3
    clock.now += 6
    backend.item_in_force("it-1")
    assert catalogue.asked == [("it-1", 0), ("it-1", 0)]
    backend.close()


def test_a_total_is_kept_for_its_time() -> None:
    clock = Clock()
    counts = RecentCounts(2.0, clock)
    key = (("11511301MB1D685275",), ("clerk",), ("511602%",), None, False, False, None, "")
    assert counts.get(key) is None
    counts.put(key, 44_449)
    clock.now += 1.9
    assert counts.get(key) == 44_449
    clock.now += 0.2
    assert counts.get(key) is None


def test_moments_are_shown_in_beijing_time_to_the_minute_each_time_alike() -> None:
    from google.protobuf.timestamp_pb2 import Timestamp  # noqa: PLC0415

    from services.hall.views import local_time  # noqa: PLC0415

    # 2026-12-02 09:30:59 UTC is 17:30 in Asia/Shanghai; the next second a new minute
    stamp = Timestamp(seconds=1796203859)
    assert local_time(stamp) == "2026-12-02 17:30"
    assert local_time(stamp) == "2026-12-02 17:30"  # kept, the same
    assert local_time(Timestamp(seconds=1796203860)) == "2026-12-02 17:31"
    # a moment before the epoch and one with only nanoseconds are moments too
    assert local_time(Timestamp(seconds=-1)) == "1970-01-01 07:59"
    assert local_time(Timestamp(seconds=0, nanos=5)) == "1970-01-01 08:00"
    assert local_time(None) == local_time(Timestamp()) == ""


def test_a_region_is_named_by_the_packaged_divisions_or_by_its_code() -> None:
    from services.hall.views import region_label  # noqa: PLC0415

    assert region_label("511602") == "四川省广安市广安区"
    assert region_label("511602") == "四川省广安市广安区"
    assert region_label("999999") == "999999"
    assert region_label("") == ""
