"""Serving the explorer with uvicorn: the token rule for non-loopback addresses, the index brought up
to date first."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from procurewatch.errors import UsageError
from procurewatch.web.security import TOKEN_ENV, is_loopback


def serve(db: Path, host: str, port: int, token: str | None, reveal: bool, console: Console) -> None:
    """Serve the store at `db` until interrupted: read-only, or with a token read-write for reviewers'
    decisions (web/review.py)."""
    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise UsageError(
            f"serving on {host} (not loopback) needs an access token: pass --token or set {TOKEN_ENV}"
        )
    import uvicorn

    from procurewatch.search.index import index_is_current, sync_index
    from procurewatch.web.app import Settings, create_app

    if not index_is_current(db):
        console.print("building the search index…")
        sync_index(db)
    app = create_app(Settings(db_path=db, token=token, reveal_personal_data=reveal))
    where = f"http://{host}:{port}/"
    if token:
        console.print(
            f"serving {db} at {where} — access token required (header, cookie or ?token=); "
            "reviewers' decisions are accepted from requests with it, so the store is held read-write"
        )
    else:
        console.print(f"serving {db} read-only at {where} (loopback only, no token)")
    if reveal:
        console.print("[yellow]personal data is shown unmasked (--reveal-personal-data)[/yellow]")
    uvicorn.run(app, host=host, port=port, log_level="warning")
