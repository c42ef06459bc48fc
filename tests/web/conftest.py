"""Clients for the app over the shared small store (the `store` fixture of tests/conftest.py)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from procurewatch.web.app import Settings, create_app

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

from fastapi.testclient import TestClient  # noqa: E402


@pytest.fixture(scope="session")
def client(store: Path) -> TestClient:
    return TestClient(create_app(Settings(db_path=store)), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def reveal_client(store: Path) -> TestClient:
    return TestClient(
        create_app(Settings(db_path=store, reveal_personal_data=True)), raise_server_exceptions=False
    )


@pytest.fixture
def store_copy(store: Path, tmp_path: Path) -> Path:
    """A copy of the small store with its index: a server with a token holds its store read-write, which
    DuckDB refuses beside the read-only session clients of the same file in this process."""
    copy = tmp_path / "store.duckdb"
    shutil.copy(store, copy)
    shutil.copytree(f"{store}.index", f"{copy}.index")
    return copy
