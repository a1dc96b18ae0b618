"""Upkeep no one waits for (SQLite's log checkpoint) runs once the response has been sent."""

from __future__ import annotations

import logging

from flask import Flask, Response, after_this_request, has_request_context

from quizbank.services import unit_of_work

log = logging.getLogger(__name__)


def run_after_the_response(job: unit_of_work.Job) -> None:
    """Runs `job` when the server closes the response, after its last byte went out; outside a request, now."""
    if not has_request_context():
        job()
        return

    def _guarded() -> None:
        try:
            job()
        except Exception:  # the response is out: a failed upkeep job is logged, never the request's error
            log.exception("upkeep after the response failed")

    @after_this_request
    def _on_close(response: Response) -> Response:
        response.call_on_close(_guarded)
        return response


def init_app(app: Flask) -> None:
    """Process-wide, like the services it serves (`app` only keeps the factory's wiring uniform)."""
    unit_of_work.run_upkeep_with(run_after_the_response)
