"""The search index's job log and the nodes that follow it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import utcnow


class IndexJob(db.Model):
    """A post whose search entry must be refreshed: a durable record, replayed until done.

    Written in the same transaction as the change to the post, so a worker that dies between
    the database commit and the index write leaves the job for the next one.
    """

    __tablename__ = "index_job"
    # Never reuse an id on SQLite: workers delete the jobs they did by id (see the migration).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchNode(db.Model):
    """A web node with its own search index: how far it has applied the index job log."""

    __tablename__ = "search_node"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    applied_id: Mapped[int] = mapped_column(BigInteger, default=0)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SearchLogState(db.Model):
    """The one row saying up to which job id the log was pruned (nodes behind it rebuild)."""

    __tablename__ = "search_log_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
