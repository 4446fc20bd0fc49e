"""Translation between the catalogue's records and its contract (sunlight.catalogue.v1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sunlight.catalogue.v1 import catalogue_pb2 as pb

from services.catalogue.domain.items import ItemContent, Step, VersionStatus

STATUS_TO_PB = {
    VersionStatus.DRAFT: pb.VERSION_STATUS_DRAFT,
    VersionStatus.SUBMITTED: pb.VERSION_STATUS_SUBMITTED,
    VersionStatus.RETURNED: pb.VERSION_STATUS_RETURNED,
    VersionStatus.PUBLISHED: pb.VERSION_STATUS_PUBLISHED,
    VersionStatus.SUPERSEDED: pb.VERSION_STATUS_SUPERSEDED,
}


@dataclass(frozen=True)
class VersionView:
    item_id: str
    version: int
    status: VersionStatus
    content: ItemContent
    created_at: datetime
    created_by: str
    published_at: datetime | None
    published_by: str | None


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


def content_from_pb(draft: pb.ItemDraft) -> ItemContent:
    return ItemContent(
        name=draft.name.strip(), code=draft.code.strip(), item_type=draft.item_type,
        region=draft.region, department=draft.department.strip(),
        statutory_limit_days=draft.statutory_limit_days,
        promised_limit_days=draft.promised_limit_days,
        steps=tuple(Step(key=s.key, name=s.name, limit_days=s.limit_days, role=s.role)
                    for s in draft.steps))


def content_to_pb(content: ItemContent, *, internal: bool = True) -> pb.ItemDraft:
    draft = pb.ItemDraft(
        name=content.name, code=content.code, item_type=content.item_type,
        region=content.region, department=content.department,
        statutory_limit_days=content.statutory_limit_days,
        promised_limit_days=content.promised_limit_days)
    # The internal flow: names and limits are public (the applicant sees its steps);
    # the responsible roles are for staff and supervisors.
    for s in content.steps:
        draft.steps.add(key=s.key, name=s.name, limit_days=s.limit_days,
                        role=s.role if internal else "")
    return draft


def version_to_pb(view: VersionView, *, internal: bool = True) -> pb.ItemVersion:
    message = pb.ItemVersion(
        item_id=view.item_id, version=view.version, status=STATUS_TO_PB[view.status],
        content=content_to_pb(view.content, internal=internal),
        created_by=view.created_by if internal else "",
        published_by=(view.published_by or "") if internal else "")
    message.created_at.CopyFrom(timestamp(view.created_at))
    if view.published_at:
        message.published_at.CopyFrom(timestamp(view.published_at))
    return message
