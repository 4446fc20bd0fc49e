"""The real Guang'an catalogue as the public sees it: every row the importer keeps, with the
content and flags the importer gives it (identity, default limits and flow, no materials or
fees), published.

The file cites no law, so a real import keeps its items as drafts (职权法定) until their
departments cite one. Tests of what the public reads need them published: these rows are
written as if the list had been reviewed and approved outside the platform — straight into
the catalogue's tables (the importer's own judgement of each row, the importer's content), in
any region (the code's region part follows it), so that tests sharing a database keep apart.
"""

from __future__ import annotations

import csv
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from services.catalogue import storage as t
from services.catalogue.domain.import_rows import FLAGGED, parse_rows
from services.catalogue.importer import default_flag, import_content
from services.catalogue.repository import version_columns
from services.shared.db import Database
from tests.support.data import GUANG_AN

HOME = "511602"


def rows() -> list[dict[str, str]]:
    with GUANG_AN.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def publish_guang_an(db: Database, region: str = HOME) -> dict[str, str]:
    """Write the catalogue's items, published, in ``region`` (a county): name → item id (the
    first item of a name). Flagged rows are published too: their doubts concern codes, not
    what a citizen reads."""
    report = parse_rows(rows(), importing_region=HOME)
    now = datetime.now(UTC) - timedelta(minutes=1)
    items, versions, ids = [], [], {}
    for o in report.outcomes:
        if o.item is None or o.duplicate_of is not None:
            continue
        content = import_content(o.item, 20)
        if region != HOME:
            content = replace(content, region=region,
                              code=content.code.replace(HOME, region, 1))
        flags = [*o.reasons, default_flag(o.item)] if o.outcome == FLAGGED else [
            default_flag(o.item)]
        item_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sunlight-guide/{region}/{o.line}"))
        ids.setdefault(content.name, item_id)
        items.append({"item_id": item_id, "code": content.code, "region": region,
                      "department": content.department, "current_version": 1,
                      "latest_version": 1, "created_at": now, "updated_at": now,
                      "state": "active", "successor": ""})
        versions.append({"item_id": item_id, "version": 1, "status": "published",
                         **version_columns(content), "created_at": now,
                         "created_by": "import", "published_at": now,
                         "published_by": "import", "flags": json.dumps(flags, ensure_ascii=False)})
    with db.transaction() as s:
        s.execute(insert(t.items), items)
        s.execute(insert(t.item_versions), versions)
    return ids
