"""A small store (tests/web/corpus.py) with its search index, and clients for the app."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from tests.web.corpus import build_store

from procurewatch.store.search import sync_index
from procurewatch.web.app import Settings, create_app

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

from fastapi.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("web") / "store.duckdb"
    build_store(db)
    sync_index(db)
    return db


@pytest.fixture(scope="session")
def client(store: Path) -> TestClient:
    return TestClient(create_app(Settings(db_path=store)), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def reveal_client(store: Path) -> TestClient:
    return TestClient(
        create_app(Settings(db_path=store, reveal_personal_data=True)), raise_server_exceptions=False
    )
