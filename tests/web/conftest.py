"""Clients for the app over the shared small store (the `store` fixture of tests/conftest.py)."""

from __future__ import annotations

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
