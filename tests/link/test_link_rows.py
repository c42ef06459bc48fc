"""The link rows (keys, MinHash signature, LSH bands) made while storing are those linking would make."""

from __future__ import annotations

import io
import tracemalloc
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
from rich.console import Console

from procurewatch.ingest.runner import run_ingest
from procurewatch.link.keys import _word_chars, datasketch_params, minhash_params, settings
from procurewatch.link.run import link_pending
from procurewatch.store.tables import LINK_KEY_TABLES

EXAMPLES = Path(str(resources.files("procurewatch").joinpath("examples")))


def test_kept_minhash_params_are_datasketchs():
    s = settings()
    kept_perms, kept_bands = minhash_params(s.num_perm, s.seed, s.lsh_threshold)
    perms, bands = datasketch_params(s.num_perm, s.seed, s.lsh_threshold)
    assert np.array_equal(kept_perms, perms.astype(np.uint32))
    assert kept_bands == bands and len(bands) == len(s.bands)


def test_other_settings_fall_back_to_datasketch():
    perms, bands = minhash_params(64, 3, 0.5)
    ref_perms, ref_bands = datasketch_params(64, 3, 0.5)
    assert perms.shape == (2, 64) and np.array_equal(perms, ref_perms) and bands == ref_bands


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {name: sorted(con.execute(f"SELECT * FROM {name}").fetchall()) for name in LINK_KEY_TABLES}


def _links(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return sorted(con.execute("SELECT * FROM notice_links").fetchall())


def test_rows_made_while_storing_equal_rows_made_while_linking(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = run_ingest([EXAMPLES], db, console=Console(file=io.StringIO()), workers=1)
    assert summary.notices_added >= 20
    con = duckdb.connect(str(db))
    stored, linked = _rows(con), _links(con)
    with_signature = len(stored["notice_minhash"])
    assert len(stored["notice_keys"]) == summary.notices_added and with_signature >= 20
    assert len(stored["notice_lsh_bands"]) == with_signature * len(settings().bands)

    # a store written before the rows were made while storing: linking makes them from the text
    for table in (*LINK_KEY_TABLES, "notice_links", "procurements"):
        con.execute(f"DELETE FROM {table}")
    assert link_pending(con) == summary.notices_added
    assert _rows(con) == stored
    assert _links(con) == linked


def test_the_word_character_table_is_made_without_a_string_per_code_point() -> None:
    # made once in every ingest worker: a million one-character strings at once took 90 MB there
    _word_chars.cache_clear()
    tracemalloc.start()
    try:
        keep = _word_chars()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 24 * 2**20
    assert keep[ord("a")] and keep[ord("监")] and keep[ord("7")]
    assert not keep[ord(" ")] and not keep[ord("_")] and not keep[ord("，")]
