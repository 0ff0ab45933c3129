"""/healthz: whether this node can reach the database, and how far its search index lags."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Answer 200 with the search lag in jobs and seconds, 503 if the database is unreachable."""
    from forum.services import indexing

    try:
        lag = indexing.lag()
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health check: database unreachable: %s", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok",
                   search={"lag_rows": lag.rows, "lag_seconds": lag.seconds,
                           "applied_id": lag.position})
