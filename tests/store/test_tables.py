"""The table specification (store/tables.py) is what the store, schema.sql and the workers' rows follow."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb

from procurewatch.ingest.chunks import notice_tables
from procurewatch.store.arrow_tables import FILES_SCHEMA, SCHEMAS
from procurewatch.store.db import open_store
from procurewatch.store.tables import NOTICE_TABLES, TABLE, TABLES, schema_sql

from .test_writer import plain_notice, surveillance_notice

# procurements as the first stores made it, before linking kept its keys, re-posts and spend notice
OLD_PROCUREMENTS = """
CREATE TABLE procurements (
    id VARCHAR PRIMARY KEY, title VARCHAR, buyer VARCHAR, project_code VARCHAR, ocid VARCHAR,
    first_published DATE, last_published DATE, status VARCHAR, notices INTEGER NOT NULL,
    spend_value DOUBLE, spend_currency VARCHAR, spend_kind VARCHAR, relevant BOOLEAN NOT NULL,
    score DOUBLE NOT NULL, title_match BOOLEAN NOT NULL, country VARCHAR, province VARCHAR,
    city VARCHAR, admin_code VARCHAR
)"""


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    return con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = ?"
        " ORDER BY column_index",
        [table],
    ).fetchall()


def test_schema_sql_is_generated_from_the_spec():
    kept = resources.files("procurewatch.store").joinpath("schema.sql").read_text("utf-8")
    assert kept == schema_sql(), (
        "run: python -m procurewatch.store.tables > src/procurewatch/store/schema.sql"
    )


def test_a_new_store_has_every_table_and_column_of_the_spec(tmp_path: Path):
    con = open_store(tmp_path / "store.duckdb")
    for table in TABLES:
        assert columns(con, table.name) == [(c.name, c.type, not c.not_null) for c in table.columns]
    keys = con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints()"
        " WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert sorted((t, tuple(c)) for t, c in keys) == sorted(
        (t.name, (c.name,)) for t in TABLES for c in t.columns if c.primary_key
    )
    con.close()


def test_an_older_store_gets_the_columns_added_since(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(OLD_PROCUREMENTS)
    con.execute(
        "INSERT INTO procurements (id, notices, relevant, score, title_match) "
        "VALUES ('p1', 2, true, 0.5, false)"
    )
    con.close()

    con = open_store(db)
    spec = TABLE["procurements"].columns
    assert [name for name, _, _ in columns(con, "procurements")] == [c.name for c in spec]
    added = ("buyer_key", "title_key", "code_key", "notices_all", "spend_notice", "role")
    assert [c.name for c in spec[-len(added) :]] == list(added)
    row = con.execute(f"SELECT id, notices, {', '.join(added)} FROM procurements").fetchall()
    assert row == [("p1", 2, None, None, None, None, None, None)]
    assert {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} == set(TABLE)
    con.close()
    open_store(db).close()  # opening it again changes nothing


def test_the_workers_columns_are_the_spec_rows_and_arrow_schemas():
    made = notice_tables([surveillance_notice(), plain_notice()])
    assert list(made) == list(NOTICE_TABLES)
    for name, cols in made.items():
        assert tuple(cols) == TABLE[name].row_names == tuple(SCHEMAS[name].names)
    assert tuple(FILES_SCHEMA.names) == TABLE["files"].row_names
