"""Case use cases: accept a case on a published version, complete its steps, read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from services.cases import storage as t
from services.cases.contract import event_data
from services.cases.domain.cases import (
    Applicant,
    CaseState,
    ItemSnapshot,
    Transition,
    case_number,
    complete_step,
    open_case,
)
from services.cases.repository import CaseRepository, CaseStore
from services.shared import auth
from services.shared.auth import Principal
from services.shared.db import Database
from services.shared.errors import InvalidArgument
from services.shared.events import Event, make_event
from services.shared.idempotency import IdempotencyStore, fingerprint
from services.shared.outbox import Outbox
from services.shared.territory import Territory
from services.shared.working_days import CHINA, WorkingCalendar


class ItemSource(Protocol):
    def in_force(self, item_id: str, version: int) -> ItemSnapshot: ...


class CaseService:
    def __init__(self, db: Database, items: ItemSource, calendar: WorkingCalendar,
                 node_region: str, territory: Territory | None = None) -> None:
        self.db = db
        self.territory = territory or Territory(node_region)
        self.items = items
        self.calendar = calendar
        self.node_region = node_region
        self.repo = CaseRepository()
        self.outbox = Outbox(t.outbox, "cases")
        self.idempotency = IdempotencyStore(t.idempotency_keys)
        self.store = CaseStore(db, self.repo, self.outbox, self.idempotency)

    def open(self, principal: Principal, item_id: str, version: int, region: str,
             applicant: Applicant, key: str) -> CaseState:
        """Accept (受理) a case on the item version in force; pinned to it for good.

        Department staff accept for their own department; window staff of the service
        centre (综合窗口) for every department of their government."""
        if not item_id:
            raise InvalidArgument.of_field("item_id", "required: the catalogue item")
        applicant = applicant.validate()
        key = self.idempotency.check_key(key)
        self.territory.require(region)
        principal.require(auth.CASE_OPEN, region)
        print_ = fingerprint("OpenCase", json.dumps(
            [item_id, version, region, applicant.__dict__], sort_keys=True).encode())
        with self.db.begin() as s:
            replay = self._replayed_case(s, principal, key, print_)
            if replay is not None:
                return replay
        item = self.items.in_force(item_id, version)  # remote call outside the transaction
        principal.require(auth.CASE_OPEN, region, item.department)
        for attempt in range(3):
            try:
                with self.db.begin() as s:
                    replay = self._replayed_case(s, principal, key, print_)
                    if replay is not None:
                        return replay
                    now = datetime.now(UTC)
                    day = now.astimezone(CHINA).strftime("%Y%m%d")
                    number = case_number(region, day, self.repo.next_number(s, region, day))
                    case, transition = open_case(number, item, applicant, region, now,
                                                 self.calendar, principal.subject)
                    self.repo.save_snapshot(s, item)
                    self.repo.add(s, case, principal.subject)
                    self._emit(s, case, transition)
                    self.idempotency.save(s, principal.subject, key, "OpenCase", print_,
                                          json.dumps({"case_number": number}).encode())
                    return case
            except IntegrityError:
                # a concurrent request with the same key won the race: replay its answer
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _replayed_case(self, s, principal: Principal, key: str, print_: str  # type: ignore[no-untyped-def]
                       ) -> CaseState | None:
        """The case an earlier OpenCase with this key made — only if the caller may still
        open cases for its department (authorise, then replay)."""
        replay = self.idempotency.lookup(s, principal.subject, key, "OpenCase", print_)
        if replay is None:
            return None
        case = self.repo.get(s, json.loads(replay)["case_number"])
        principal.require(auth.CASE_OPEN, case.region, case.item.department)
        return case

    def complete(self, principal: Principal, number: str, step_index: int, opinion: str,
                 key: str) -> CaseState:
        """Complete the active step (环节办结); the last one completes the case (办结)."""
        key = self.idempotency.check_key(key)
        print_ = fingerprint("CompleteStep", json.dumps([number, step_index, opinion]).encode())
        with self.store.begin() as unit:
            # The key is claimed first and commits or rolls back with the transition; a
            # replay answers with the case as it is now.
            case, replayed = unit.claim_and_lock(principal.subject, key, "CompleteStep",
                                                 print_, b"{}", number)
            # authorise first, then replay: the key is undone with the transaction if not
            principal.require(auth.CASE_HANDLE, case.region, case.item.department)
            if replayed:
                return case
            transition = complete_step(case, step_index, principal.subject, opinion,
                                       datetime.now(UTC), self.calendar)
            changed = [step_index] + ([step_index + 1] if transition.next_step else [])
            unit.save(case, changed)
            unit.emit(self._event(case, transition))
            return case

    def get(self, principal: Principal, number: str) -> CaseState:
        if not number or len(number) > 50:
            raise InvalidArgument.of_field("case_number", "1 to 50 characters")
        principal.require(auth.CASE_READ)
        with self.db.read() as s:
            case = self.repo.get(s, number)
        principal.require(auth.CASE_READ, case.region, case.item.department)
        return case

    def _emit(self, s, case: CaseState, transition: Transition) -> None:  # type: ignore[no-untyped-def]
        self.outbox.add(s, self._event(case, transition))

    def _event(self, case: CaseState, transition: Transition) -> Event:
        return make_event(transition.event_type, event_data(case, transition),
                          node=self.node_region, region=case.region,
                          occurred_at=case.completed_at or (
                              transition.step.completed_at or case.accepted_at))
