"""Serving the explorer with uvicorn: the token rule for non-loopback addresses, the index brought up
to date first."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from procurewatch.errors import UsageError
from procurewatch.web.security import TOKEN_ENV, is_loopback

ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]")


def serve(
    db: Path,
    host: str,
    port: int,
    token: str | None,
    reveal: bool,
    console: Console,
    trusted_proxy: str | None = None,
) -> None:
    """Serve the store at `db` until interrupted: read-only, or with a token read-write for reviewers'
    decisions (web/review.py). `trusted_proxy`: addresses whose X-Forwarded-Proto and X-Forwarded-For
    are believed (uvicorn's forwarded_allow_ips; its default, 127.0.0.1, when None)."""
    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        raise UsageError(
            f"serving on {host or 'every interface (--host empty)'} (not loopback) needs an access token: "
            f"pass --token or set {TOKEN_ENV}"
        )
    import uvicorn

    from procurewatch.search.index import index_is_current, sync_index
    from procurewatch.store.db import in_use, is_locked
    from procurewatch.web.app import Settings, create_app

    try:
        if not index_is_current(db):
            console.print("building the search index…")
            sync_index(db)
        app = create_app(Settings(db_path=db, token=token, reveal_personal_data=reveal))
    except Exception as exc:
        if is_locked(exc):
            raise in_use(db, exc) from exc  # an ingest is writing the store: the message ingest gives
        raise
    where = f"http://{host or '0.0.0.0'}:{port}/" + (" (every interface)" if host in ALL_INTERFACES else "")
    if token:
        console.print(
            f"serving {db} at {where} — access token required (header, cookie or ?token=); "
            "reviewers' decisions are accepted from requests with it, so the store is held read-write"
        )
    else:
        console.print(f"serving {db} read-only at {where} (loopback only, no token)")
    if reveal:
        console.print("[yellow]personal data is shown unmasked (--reveal-personal-data)[/yellow]")
    options = {"forwarded_allow_ips": trusted_proxy} if trusted_proxy else {}
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, **options)
