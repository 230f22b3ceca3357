"""`EmulatorState`: the emulator's data (SQLAlchemy), the requests it answered, and its faults.

Thread-safe: the server is threaded, and tests change faults or data while requests are in flight.
One lock serialises every database operation, which is plenty for a local tool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from rosterbot.emulators.business_api.config import EmulatorConfig
from rosterbot.emulators.business_api.faults import FaultGate, FaultSettings
from rosterbot.emulators.business_api.records import (
    BlockedTimeRecord,
    Member,
    PositionRecord,
    RecordedRequest,
    to_utc_naive,
)
from rosterbot.emulators.business_api.tables import Base, BlockedTimeRow, MemberRow, PositionRow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

ROLES = ("owner", "admin", "staff")
_Record = TypeVar("_Record", bound="DataclassInstance")
_Row = TypeVar("_Row", MemberRow, PositionRow, BlockedTimeRow)


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        in_memory = database_url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in database_url
        if in_memory:
            # One connection shared by every thread, or each thread would see its own empty database.
            return create_engine(
                database_url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        return create_engine(database_url, connect_args={"check_same_thread": False})
    return create_engine(database_url, pool_pre_ping=True)


def _record(kind: type[_Record], source: object) -> _Record:
    """A record built from the like-named attributes of a row (or the config); lists are copied, so
    the record never shares the row's."""
    values = {f.name: getattr(source, f.name) for f in dataclass_fields(kind)}
    return kind(**{name: list(v) if isinstance(v, list) else v for name, v in values.items()})


def _fault_settings(config: EmulatorConfig) -> FaultSettings:
    return _record(FaultSettings, config)


def utc_today() -> date:
    return datetime.now(UTC).date()


class EmulatorState:
    def __init__(self, config: EmulatorConfig, today: Callable[[], date] = utc_today) -> None:
        """`today`: the day the demo business is seeded around (its blocked times are near it)."""
        self.config = config
        self.today = today
        self.requests: list[RecordedRequest] = []
        self.gate = FaultGate(_fault_settings(config))
        self._lock = threading.RLock()
        self._answered = threading.Condition(self._lock)  # notified as each request is recorded
        self._engine = make_engine(config.database_url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        Base.metadata.create_all(self._engine)
        if config.seed_demo and self._is_empty():
            self.seed_demo()

    # -- lifecycle ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start: empty tables (ids from 1 again), demo data if configured, no recorded
        requests, the configured faults, and up."""
        with self._lock:
            Base.metadata.drop_all(self._engine)
            Base.metadata.create_all(self._engine)
            if self.config.seed_demo:
                self.seed_demo()
            self.requests.clear()
        self.gate.configure(_fault_settings(self.config))
        self.gate.set_down(False)

    def seed_demo(self) -> None:
        from rosterbot.emulators.business_api.demo_data import seed

        with self._lock:
            seed(self, self.today())

    @property
    def engine(self) -> Engine:
        return self._engine

    def drop_tables(self) -> None:
        """Remove the emulator's tables (a shared database left as it was found)."""
        with self._lock:
            Base.metadata.drop_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._lock, self._sessions() as session, session.begin():
            yield session

    def _is_empty(self) -> bool:
        with self._session() as session:
            return all(
                session.scalar(select(func.count()).select_from(table)) == 0
                for table in (MemberRow, PositionRow, BlockedTimeRow)
            )

    def _all(self, table: type[_Row], kind: type[_Record]) -> list[_Record]:
        with self._session() as session:
            return [_record(kind, row) for row in session.scalars(select(table).order_by(table.id))]

    def _one(self, table: type[_Row], key: int, kind: type[_Record]) -> _Record | None:
        with self._session() as session:
            row = session.get(table, key)
            return _record(kind, row) if row else None

    def _delete(self, table: type[_Row], key: int) -> bool:
        """Delete the row; False when there is none."""
        with self._session() as session:
            row = session.get(table, key)
            if row is None:
                return False
            session.delete(row)
            return True

    # -- requests and faults -----------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._answered:
            self.requests.append(request)
            self._answered.notify_all()

    def wait_for(self, predicate: Callable[[list[RecordedRequest]], bool], timeout: float = 5.0) -> bool:
        """Wait until `predicate(requests answered so far)` holds, re-checked at each answer, or until
        `timeout` seconds pass; its last value."""
        with self._answered:
            return self._answered.wait_for(lambda: predicate(self.requests), timeout)

    def writes(self) -> list[RecordedRequest]:
        """The recorded requests that could change something (every method but GET)."""
        with self._lock:
            return [r for r in self.requests if r.method not in ("GET", "HEAD", "OPTIONS")]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    @property
    def faults(self) -> FaultSettings:
        return self.gate.settings

    def set_faults(
        self,
        *,
        latency: float = 0.0,
        fault_status: int | None = None,
        fault_every: int = 1,
        fault_retry_after: float | None = 1.0,
        rate_limit_per_second: float | None = None,
    ) -> FaultSettings:
        """Replace every fault setting (what is not given is off); counters start afresh."""
        settings = FaultSettings(
            latency=latency,
            fault_status=fault_status,
            fault_every=fault_every,
            fault_retry_after=fault_retry_after,
            rate_limit_per_second=rate_limit_per_second,
        )
        self.gate.configure(settings)
        return settings

    def down(self, is_down: bool = True) -> None:
        """While down, every API request is answered 503 (an outage)."""
        self.gate.set_down(is_down)

    @property
    def is_down(self) -> bool:
        return self.gate.is_down

    # -- team members ------------------------------------------------------------------------------

    def members(self) -> list[Member]:
        return self._all(MemberRow, Member)

    def member(self, member_id: int) -> Member | None:
        return self._one(MemberRow, member_id, Member)

    def add_member(
        self,
        role: str,
        first_name: str,
        last_name: str,
        email: str | None = None,
        phone_number: str | None = None,
        is_active: bool = True,
    ) -> Member:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        with self._session() as session:
            row = MemberRow(
                role=role,
                first_name=first_name,
                last_name=last_name,
                email=email,
                phone_number=phone_number,
                is_active=is_active,
            )
            session.add(row)
            session.flush()
            return _record(Member, row)

    def replace_member(self, member_id: int, fields: dict[str, Any]) -> Member | None:
        """Set the given member fields; None when there is no such member."""
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            if row is None:
                return None
            for name in ("role", "first_name", "last_name", "email", "phone_number", "is_active"):
                if name in fields:
                    setattr(row, name, fields[name])
            session.flush()
            return _record(Member, row)

    def set_member_role(self, member_id: int, role: str) -> Member:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        member = self.replace_member(member_id, {"role": role})
        if member is None:
            raise KeyError(member_id)
        return member

    def delete_member(self, member_id: int) -> bool:
        return self._delete(MemberRow, member_id)

    def account_member(self) -> Member | None:
        """The member behind the emulator's credentials: the first active owner."""
        with self._session() as session:
            row = session.scalars(
                select(MemberRow)
                .where(MemberRow.role == "owner", MemberRow.is_active.is_(True))
                .order_by(MemberRow.id)
            ).first()
            return _record(Member, row) if row else None

    # -- positions ---------------------------------------------------------------------------------

    def positions(self) -> list[PositionRecord]:
        return self._all(PositionRow, PositionRecord)

    def position(self, position_id: int) -> PositionRecord | None:
        return self._one(PositionRow, position_id, PositionRecord)

    def add_position(
        self, title: str, description: str = "", salon_ids: list[int] | None = None
    ) -> PositionRecord:
        with self._session() as session:
            row = PositionRow(
                company_id=self.config.company_id,
                chain_id=self.config.chain_id,
                title=title,
                description=description,
                salon_ids=list(salon_ids or []),
                services_binding_type=0,
                rules_required_fields=[],
                only_chain_appointment=False,
            )
            session.add(row)
            session.flush()
            return _record(PositionRecord, row)

    def replace_position(
        self, position_id: int, title: str, description: str, salon_ids: list[int] | None
    ) -> PositionRecord | None:
        """Update; `salon_ids` None keeps the current salons. None when there is no such position."""
        with self._session() as session:
            row = session.get(PositionRow, position_id)
            if row is None:
                return None
            row.title = title
            row.description = description
            if salon_ids is not None:
                row.salon_ids = list(salon_ids)
            session.flush()
            return _record(PositionRecord, row)

    def delete_position(self, position_id: int) -> bool:
        return self._delete(PositionRow, position_id)

    # -- blocked times -----------------------------------------------------------------------------

    def blocked_times(self) -> list[BlockedTimeRecord]:
        return self._all(BlockedTimeRow, BlockedTimeRecord)

    def blocked_time(self, block_id: int) -> BlockedTimeRecord | None:
        return self._one(BlockedTimeRow, block_id, BlockedTimeRecord)

    def add_blocked_times(
        self,
        name: str,
        from_date: datetime,
        to_date: datetime,
        all_day: bool,
        employee_ids: list[int | None],
        blocked_type_id: int | None = None,
    ) -> list[BlockedTimeRecord]:
        """One row per employee, in the order given."""
        with self._session() as session:
            rows = [
                BlockedTimeRow(
                    employee_id=employee_id,
                    name=name,
                    from_date=to_utc_naive(from_date),
                    to_date=to_utc_naive(to_date),
                    all_day=all_day,
                    blocked_type_id=blocked_type_id,
                )
                for employee_id in employee_ids
            ]
            session.add_all(rows)
            session.flush()
            return [_record(BlockedTimeRecord, row) for row in rows]

    def replace_blocked_time(self, block_id: int, fields: dict[str, Any]) -> BlockedTimeRecord | None:
        with self._session() as session:
            row = session.get(BlockedTimeRow, block_id)
            if row is None:
                return None
            for name in ("employee_id", "name", "all_day", "blocked_type_id"):
                if name in fields:
                    setattr(row, name, fields[name])
            for name in ("from_date", "to_date"):
                if name in fields:
                    setattr(row, name, to_utc_naive(fields[name]))
            session.flush()
            return _record(BlockedTimeRecord, row)

    def delete_blocked_time(self, block_id: int) -> bool:
        return self._delete(BlockedTimeRow, block_id)

    def blocked_times_overlapping(self, start: datetime, end: datetime) -> list[BlockedTimeRecord]:
        """Blocks with any part inside [start, end)."""
        start, end = to_utc_naive(start), to_utc_naive(end)
        with self._session() as session:
            rows = session.scalars(
                select(BlockedTimeRow)
                .where(BlockedTimeRow.from_date < end, BlockedTimeRow.to_date > start)
                .order_by(BlockedTimeRow.from_date, BlockedTimeRow.id)
            )
            return [_record(BlockedTimeRecord, row) for row in rows]
