"""The emulator's own tables (its own metadata: nothing to do with rosterbot.store's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class MemberRow(Base):
    __tablename__ = "emulator_team_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class PositionRow(Base):
    __tablename__ = "emulator_positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(Integer)
    chain_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    salon_ids: Mapped[list[Any]] = mapped_column(JSON)
    services_binding_type: Mapped[int] = mapped_column(Integer, default=0)
    rules_required_fields: Mapped[list[Any]] = mapped_column(JSON)
    only_chain_appointment: Mapped[bool] = mapped_column(Boolean, default=False)


class BlockedTimeRow(Base):
    """One row per employee: a block created for several employees becomes several rows."""

    __tablename__ = "emulator_blocked_times"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(500))
    # Naive UTC: SQLite keeps no offset.
    from_date: Mapped[datetime] = mapped_column(DateTime)
    to_date: Mapped[datetime] = mapped_column(DateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_type_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
