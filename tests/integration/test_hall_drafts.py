"""Applications being filled in, on the real PostgreSQL (the hall's schema, migrated as
`make migrate` does): one person's draft seen from any device and nobody else's, files added
from two tabs at once all kept, the application's size limit held under the row's lock, and
a submitted draft closed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.hall.drafts import DraftClosed, DraftStore
from services.hall.storage import FileRefused
from services.shared.db import Database

pytestmark = pytest.mark.integration
ME, OTHER = "id_card:511602199001011236", "credit_code:91510000MA6CX5QX2H"


@pytest.fixture()
def store(pg_settings):  # type: ignore[no-untyped-def]
    database = Database(pg_settings.database_url, "hall", pool_size=8)
    yield DraftStore(database)
    database.dispose()


def file(n: int, size: int = 100) -> dict:
    return {"sha256": f"{n:064x}", "name": f"第{n}页.pdf", "media_type": "application/pdf",
            "size": size}


def test_a_draft_is_its_owners_on_any_device_and_closes_when_submitted(store) -> None:
    draft = store.create(ME, "item-drafts-1", 1, "食品经营许可", "511602", {"for": "self"})
    assert store.get(draft.draft_id, OTHER) is None
    elsewhere = DraftStore(store.db)  # another process of the hall, another device
    assert elsewhere.open_for(ME, "item-drafts-1").draft_id == draft.draft_id
    elsewhere.save_answers(draft.draft_id, ME, {"name": "张三"})
    assert store.get(draft.draft_id, ME).answers == {"for": "self", "name": "张三"}
    store.mark_submitted(draft.draft_id, ME, "511602202612080000009", "ACDE3467",
                         {"missing": ["营业执照"]})
    with pytest.raises(DraftClosed):
        elsewhere.add_file(draft.draft_id, ME, "form", file(1))
    assert store.get(draft.draft_id, ME).receipt == {"missing": ["营业执照"]}


def test_files_added_at_once_are_all_kept_within_the_applications_limit(store) -> None:
    draft = store.create(ME, "item-drafts-2", 1, "食品经营许可", "511602")
    limit = 1000

    def fits(current) -> None:  # type: ignore[no-untyped-def]
        if current.total_bytes + 100 > limit:
            raise FileRefused("APPLICATION_TOO_LARGE", "太大")

    def add(n: int) -> str:
        try:
            store.add_file(draft.draft_id, ME, f"m{n % 4}", file(n), fits=fits)
            return "kept"
        except FileRefused:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(add, range(16)))
    kept = store.get(draft.draft_id, ME)
    assert outcomes.count("kept") == 10 == len(kept.files)
    assert kept.total_bytes == limit
