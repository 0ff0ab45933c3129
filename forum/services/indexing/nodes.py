"""The nodes following the index job log: their names, their places in it, and its pruning."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db
from forum.models import IndexJob, SearchLogState, SearchNode, utcnow
from forum.services.indexing.documents import get_index
from search import WhooshIndex

BOOKKEEPING_SECONDS = 2.0  # a write registers its node's progress and prunes at most this often
bookkept = [0.0]  # when this process last registered its node's progress


def node_name() -> str:
    """Return this node's name: SEARCH_NODE_NAME, or the host and the index directory."""
    name = current_app.config.get("SEARCH_NODE_NAME")
    if not name:
        index = get_index()
        where = str(index.directory.resolve()) if isinstance(index, WhooshIndex) else "memory"
        name = f"{socket.gethostname()}:{where}"
    return str(name)[:200]


def current_position() -> int | None:
    """Return the last job id this node's index applied, or None if it never recorded one."""
    return get_index().position()


def index_missing() -> bool:
    """Tell whether this node has no index at all yet (an empty SEARCH_INDEX_DIR)."""
    index = get_index()
    # "CURRENT" names the generation searches use (see search.whoosh.index).
    return isinstance(index, WhooshIndex) and not (index.directory / "CURRENT").exists()


def log_mark() -> int:
    """Return the last job id in the log (0 if empty), holding the log for this node first.

    The node is registered before the mark is read, so no other node prunes the jobs this
    node still needs while it rebuilds.
    """
    _upsert_node(pruned_through(), force=False)  # and seen now: live, so it holds the log
    db.session.commit()
    last = db.session.scalar(select(func.max(IndexJob.id))) or 0
    return max(last, pruned_through())  # an emptied log: the pruned jobs are covered too


def pruned_through() -> int:
    """Return the highest job id pruned from the log: a node behind it has lost jobs."""
    return db.session.scalar(select(SearchLogState.pruned_through)
                             .where(SearchLogState.id == 1)) or 0


def _insert(model: type[SearchNode | SearchLogState]) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT for model that takes ON CONFLICT clauses (PostgreSQL and SQLite)."""
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def _upsert_node(applied: int, *, force: bool) -> None:
    name, now = node_name(), utcnow()
    statement = _insert(SearchNode).values(name=name, applied_id=applied, seen_at=now,
                                          started_at=now)
    column = SearchNode.__table__.c.applied_id
    moved = statement.excluded.applied_id if force else case(
        (column < statement.excluded.applied_id, statement.excluded.applied_id), else_=column)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["name"], set_={"applied_id": moved, "seen_at": now}))


def retention() -> timedelta:
    """Return how long a job is kept for a node that has not applied it (default 7 days)."""
    return timedelta(days=float(current_app.config.get("SEARCH_LOG_RETENTION_DAYS", 7)))


def note_progress(applied: int, *, force: bool = False) -> int:
    """Register this node at applied (and as seen now), then prune; return the jobs pruned.

    One transaction: on SQLite every write transaction waits its turn, so members' writes
    apply their jobs at once but do this at most every BOOKKEEPING_SECONDS per process.
    """
    bookkept[0] = time.monotonic()
    _upsert_node(applied, force=force)
    return prune()


def bookkeeping_due() -> bool:
    """Tell whether BOOKKEEPING_SECONDS have passed since this process last noted progress."""
    return time.monotonic() - bookkept[0] >= BOOKKEEPING_SECONDS


def prune(now: datetime | None = None) -> int:
    """Delete the jobs every live node has applied, and those older than the retention period.

    A node is live if it was seen within the retention period. The highest id deleted is kept,
    so a node that comes back behind it knows it must rebuild.
    """
    cutoff = (now or utcnow()) - retention()
    slowest = db.session.scalar(select(func.min(SearchNode.applied_id))
                                .where(SearchNode.seen_at >= cutoff)) or 0
    expired = db.session.scalar(select(func.max(IndexJob.id))
                                .where(IndexJob.created_at < cutoff)) or 0
    through = db.session.scalar(select(func.max(IndexJob.id))
                                .where(IndexJob.id <= max(slowest, expired)))
    if through is None:
        db.session.commit()  # what the caller registered
        return 0
    db.session.execute(_insert(SearchLogState).values(id=1, pruned_through=0)
                       .on_conflict_do_nothing(index_elements=["id"]))
    column = SearchLogState.__table__.c.pruned_through
    db.session.execute(update(SearchLogState).where(SearchLogState.id == 1).values(
        pruned_through=case((column < through, through), else_=column)))
    deleted = cast(CursorResult[Any], db.session.execute(
        delete(IndexJob).where(IndexJob.id <= through))).rowcount
    db.session.commit()
    return deleted


@dataclass(frozen=True)
class Lag:
    """How far this node's index is behind the log."""

    rows: int
    seconds: float
    position: int | None


def lag(position: int | None = None) -> Lag:
    """Return this node's lag: jobs not yet applied, and the age of the oldest of them."""
    if position is None:
        position = current_position()
    rows, oldest = db.session.execute(
        select(func.count(IndexJob.id), func.min(IndexJob.created_at))
        .where(IndexJob.id > (position or 0))).one()
    seconds = max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return Lag(rows=rows, seconds=round(seconds, 3), position=position)


@dataclass(frozen=True)
class NodeState:
    """One registered node, as `flask search nodes` lists it."""

    name: str
    applied_id: int
    lag_rows: int
    seen_at: datetime
    live: bool


def nodes() -> list[NodeState]:
    """Return every registered node with its lag in jobs, slowest first."""
    cutoff = utcnow() - retention()
    found = []
    for node in db.session.scalars(select(SearchNode).order_by(SearchNode.applied_id)):
        behind = db.session.scalar(select(func.count(IndexJob.id))
                                   .where(IndexJob.id > node.applied_id))
        found.append(NodeState(node.name, node.applied_id, behind or 0, node.seen_at,
                               node.seen_at >= cutoff))
    return found
