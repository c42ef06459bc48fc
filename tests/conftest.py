"""Shared test fixtures. Tests that need ../shared/data skip cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.corpus import build_store

from procurewatch.search.index import sync_index

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PROCUREWATCH_SHARED", REPO.parent / "shared")) / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store of tests/corpus.py's notices, linked, with its search index."""
    db = tmp_path_factory.mktemp("web") / "store.duckdb"
    build_store(db)
    sync_index(db)
    return db
