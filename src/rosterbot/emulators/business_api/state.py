"""`EmulatorState`: the emulator's data (SQLAlchemy), the requests it answered, and its faults.

Thread-safe: the server is threaded, and tests change faults or data while requests are in flight.
One lock serialises every database operation, which is plenty for a local tool.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

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

ROLES = ("owner", "admin", "staff")


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


def _member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        role=row.role,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone_number=row.phone_number,
        is_active=row.is_active,
    )


def _position(row: PositionRow) -> PositionRecord:
    return PositionRecord(
        id=row.id,
        company_id=row.company_id,
        chain_id=row.chain_id,
        title=row.title,
        description=row.description,
        salon_ids=list(row.salon_ids),
        services_binding_type=row.services_binding_type,
        rules_required_fields=list(row.rules_required_fields),
        only_chain_appointment=row.only_chain_appointment,
    )


def _blocked_time(row: BlockedTimeRow) -> BlockedTimeRecord:
    return BlockedTimeRecord(
        id=row.id,
        employee_id=row.employee_id,
        name=row.name,
        from_date=row.from_date,
        to_date=row.to_date,
        all_day=row.all_day,
        blocked_type_id=row.blocked_type_id,
    )


def _fault_settings(config: EmulatorConfig) -> FaultSettings:
    return FaultSettings(
        latency=config.latency,
        fault_status=config.fault_status,
        fault_every=config.fault_every,
        fault_retry_after=config.fault_retry_after,
        rate_limit_per_second=config.rate_limit_per_second,
    )


class EmulatorState:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.requests: list[RecordedRequest] = []
        self.gate = FaultGate(_fault_settings(config))
        self._lock = threading.RLock()
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
            seed(self)

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

    # -- requests and faults -----------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

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
        with self._session() as session:
            return [_member(row) for row in session.scalars(select(MemberRow).order_by(MemberRow.id))]

    def member(self, member_id: int) -> Member | None:
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            return _member(row) if row else None

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
            return _member(row)

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
            return _member(row)

    def set_member_role(self, member_id: int, role: str) -> Member:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        member = self.replace_member(member_id, {"role": role})
        if member is None:
            raise KeyError(member_id)
        return member

    def delete_member(self, member_id: int) -> bool:
        with self._session() as session:
            row = session.get(MemberRow, member_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def account_member(self) -> Member | None:
        """The member behind the emulator's credentials: the first active owner."""
        with self._session() as session:
            row = session.scalars(
                select(MemberRow)
                .where(MemberRow.role == "owner", MemberRow.is_active.is_(True))
                .order_by(MemberRow.id)
            ).first()
            return _member(row) if row else None

    # -- positions ---------------------------------------------------------------------------------

    def positions(self) -> list[PositionRecord]:
        with self._session() as session:
            rows = session.scalars(select(PositionRow).order_by(PositionRow.id))
            return [_position(row) for row in rows]

    def position(self, position_id: int) -> PositionRecord | None:
        with self._session() as session:
            row = session.get(PositionRow, position_id)
            return _position(row) if row else None

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
            return _position(row)

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
            return _position(row)

    def delete_position(self, position_id: int) -> bool:
        with self._session() as session:
            row = session.get(PositionRow, position_id)
            if row is None:
                return False
            session.delete(row)
            return True

    # -- blocked times -----------------------------------------------------------------------------

    def blocked_times(self) -> list[BlockedTimeRecord]:
        with self._session() as session:
            rows = session.scalars(select(BlockedTimeRow).order_by(BlockedTimeRow.id))
            return [_blocked_time(row) for row in rows]

    def blocked_time(self, block_id: int) -> BlockedTimeRecord | None:
        with self._session() as session:
            row = session.get(BlockedTimeRow, block_id)
            return _blocked_time(row) if row else None

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
            return [_blocked_time(row) for row in rows]

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
            return _blocked_time(row)

    def delete_blocked_time(self, block_id: int) -> bool:
        with self._session() as session:
            row = session.get(BlockedTimeRow, block_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def blocked_times_overlapping(self, start: datetime, end: datetime) -> list[BlockedTimeRecord]:
        """Blocks with any part inside [start, end)."""
        start, end = to_utc_naive(start), to_utc_naive(end)
        with self._session() as session:
            rows = session.scalars(
                select(BlockedTimeRow)
                .where(BlockedTimeRow.from_date < end, BlockedTimeRow.to_date > start)
                .order_by(BlockedTimeRow.from_date, BlockedTimeRow.id)
            )
            return [_blocked_time(row) for row in rows]
