"""A session's commit runs in a thread of its own while the next session's documents are made: they wait
in order for the next writer, the index is the same as with each commit waited for, and a commit's
error or an interruption still leaves what was committed."""

from __future__ import annotations

import threading

import pytest
from tests.corpus import ROWS, build_store
from tests.search.answers import search_answers

from procurewatch.search import index as search
from procurewatch.search.index import SearchIndex, index_dir_for, rebuild_index, sync_index

QUERIES = ["人脸", "声纹", "supraveghere", "camera", "视频监控"]


def _slow_commits(monkeypatch: pytest.MonkeyPatch, waited: list[int]) -> None:
    """Each commit starts only once the next session has made a document or two (or after a while)."""
    run = search._Commit._run
    gate = threading.Event()

    def slow(self: search._Commit, writer: object) -> None:
        gate.wait(timeout=2)
        gate.clear()
        run(self, writer)

    add = search._SessionWriter.add_document

    def adding(self: search._SessionWriter, doc: object) -> int:
        if self.writer is None:
            waited.append(len(self.pending))
            gate.set()
        return add(self, doc)

    monkeypatch.setattr(search._Commit, "_run", slow)
    monkeypatch.setattr(search._SessionWriter, "add_document", adding)


def test_documents_made_while_the_session_before_commits_are_indexed_as_if_added_then(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    rebuild_index(db)
    expected = search_answers(db, QUERIES)
    monkeypatch.setattr(search, "INDEX_SESSION", 3)
    monkeypatch.setattr(search, "PENDING_DOCS", 2)
    waited: list[int] = []
    _slow_commits(monkeypatch, waited)
    assert rebuild_index(db) == len(ROWS)
    assert waited  # some documents did wait for the next writer
    assert search_answers(db, QUERIES) == expected


def test_replacing_documents_while_the_session_before_commits_keeps_one_each(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    rebuild_index(db)
    expected = search_answers(db, QUERIES)
    (index_dir_for(db) / search.IDS_FILE).unlink()  # every notice indexed again, each replacing its own
    monkeypatch.setattr(search, "INDEX_SESSION", 2)
    waited: list[int] = []
    _slow_commits(monkeypatch, waited)
    assert sync_index(db) == len(ROWS)
    assert waited
    assert SearchIndex(index_dir_for(db)).num_docs == len(ROWS)
    assert search_answers(db, QUERIES) == expected


def test_a_failed_commit_is_raised_and_the_ids_file_is_not_written(tmp_path, monkeypatch):
    db = build_store(tmp_path / "s.duckdb")
    monkeypatch.setattr(search, "INDEX_SESSION", 2)

    def failing(self: search._Commit, writer: object) -> None:
        self.error = OSError("disk full")

    monkeypatch.setattr(search._Commit, "_run", failing)
    with pytest.raises(OSError, match="disk full"):
        sync_index(db)
    assert not (index_dir_for(db) / search.IDS_FILE).exists()
