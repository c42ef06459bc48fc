"""The store's tables: the one place they are written down.

Every table with its columns, written as in CREATE TABLE (type, NOT NULL or PRIMARY KEY, a one-line
comment), and the plain kind of the values the ingest workers make for it. From this come the CREATE
TABLE statements (`schema_sql`, which
`store/schema.sql` is generated from), the columns `store/db.py` adds to an older store, the Arrow
schemas of `store/arrow_tables.py` and the column names of the rows `store/plain_columns.py` and
`link/keys.py` make. Imports neither Arrow nor DuckDB: the ingest workers load it.

Regenerate `schema.sql` after a change here:
`python -m procurewatch.store.tables > src/procurewatch/store/schema.sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    import numpy as np

    from procurewatch.store.string_buffers import StringBuffers

# One column's values as the workers make them: a list, or a NumPy array (a 2-D one for a binary
# column: one row per value), or a string column's Arrow buffers (store/string_buffers.py, made to be
# sent to the writing process). A table's columns by name are its `PlainColumns`.
Values: TypeAlias = "list[Any] | np.ndarray | StringBuffers"
PlainColumns: TypeAlias = dict[str, Values]

# The plain kind of a DuckDB type's values; `arrow_tables.py` maps each kind to an Arrow type.
_KIND_OF = {
    "VARCHAR": "string",
    "BLOB": "binary",
    "BOOLEAN": "bool",
    "SMALLINT": "int16",
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
}


@dataclass(frozen=True, slots=True)
class Column:
    """`sql` is the column's declaration as in CREATE TABLE ("VARCHAR NOT NULL").

    `kind` is what the workers' values are when it differs from the type's own kind: the writer
    converts them on insert (`TRY_CAST`, so a value that does not convert is NULL). `filled` is the
    SQL the writer fills a column with that is not in the workers' rows."""

    name: str
    sql: str
    comment: str = ""
    kind: str | None = None
    filled: str | None = None

    @property
    def type(self) -> str:
        return self.sql.split()[0]

    @property
    def primary_key(self) -> bool:
        return "PRIMARY KEY" in self.sql

    @property
    def not_null(self) -> bool:
        return self.primary_key or "NOT NULL" in self.sql

    @property
    def in_rows(self) -> bool:
        """Whether the rows the workers make carry this column."""
        return self.filled is None

    @property
    def row_kind(self) -> str:
        """The plain kind of this column's values in the workers' rows."""
        kind = self.kind or _KIND_OF.get(self.type)
        if kind is None or not self.in_rows:
            raise ValueError(f"column {self.name} ({self.sql}) has no values in the workers' rows")
        return kind

    @property
    def value_sql(self) -> str:
        """The SQL of the stored value, selected from the rows the writer inserts."""
        if self.filled is not None:
            return self.filled
        if self.kind is not None and self.kind != _KIND_OF.get(self.type):
            return f"TRY_CAST({self.name} AS {self.type})"
        return self.name


# Who makes a table's rows:
#   notice     the notice's own facts (store/plain_columns.py), written with the notice by the writer
#   link_keys  what linking compares of each notice (link/keys.py), written with the notice too
#   files      the input files, written by the writer with the batch that finishes them
#   links      linking (link/run.py), from the stored notices
#   reviews    a person's decisions (review/decisions.py, entities/decisions.py); never touched by ingest
#   entities   the organisations behind the names (entities/build.py), rebuilt after linking
Maker = Literal["notice", "link_keys", "files", "links", "reviews", "entities"]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    made_by: Maker
    columns: tuple[Column, ...]
    comment: str = ""  # shown above the table in schema.sql

    @property
    def row_columns(self) -> tuple[Column, ...]:
        """The columns of the rows the workers (or the writer, for files) make for this table."""
        return tuple(c for c in self.columns if c.in_rows)

    @property
    def row_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.row_columns)

    def stored_sql(self, rows: str) -> str:
        """SELECT every column of the table from `rows` (the workers' Arrow rows) as the store holds it:
        those the rows do not carry as the writer fills them, those of another kind in the rows cast."""
        return f"SELECT {', '.join(f'{c.value_sql} AS {c.name}' for c in self.columns)} FROM {rows}"

    def create_sql(self) -> str:
        name_width = max(len(c.name) for c in self.columns)
        lines = [f"    {c.name.ljust(name_width)} {c.sql}," for c in self.columns]
        lines[-1] = lines[-1][:-1]
        width = max(len(line) for line in lines)
        lines = [
            f"{line.ljust(width)}  -- {c.comment}" if c.comment else line
            for line, c in zip(lines, self.columns, strict=True)
        ]
        head = "".join(f"-- {line}\n" for line in self.comment.splitlines())
        return head + f"CREATE TABLE IF NOT EXISTS {self.name} (\n" + "\n".join(lines) + "\n);\n"


NOW = "now()::TIMESTAMP"


def table(
    name: str,
    made_by: Maker,
    columns: str,
    comment: str = "",
    kinds: dict[str, str] | None = None,
    filled: dict[str, str] | None = None,
) -> Table:
    """A table from its columns written as in CREATE TABLE, one a line: `name TYPE [NOT NULL | PRIMARY
    KEY]  -- comment`; `kinds` and `filled` give the columns' `Column.kind` and `Column.filled`."""
    kinds, filled = kinds or {}, filled or {}
    parsed = []
    for line in columns.strip().splitlines():
        declaration, _, note = line.partition(" -- ")
        column, sql = declaration.split(None, 1)
        parsed.append(Column(column, sql.strip(), note.strip(), kinds.get(column), filled.get(column)))
    unknown = (kinds.keys() | filled.keys()) - {c.name for c in parsed}
    if unknown:
        raise ValueError(f"{name} has no column {', '.join(sorted(unknown))}")
    return Table(name, made_by, tuple(parsed), comment)


# Columns are only ever added at the end of a table: an older store gets them from `store/db.py`
# (ALTER TABLE ... ADD COLUMN, without NOT NULL, as its rows have no value), and linking inserts
# some tables' rows by position.
TABLES: tuple[Table, ...] = (
    table(
        "notices",
        "notice",
        """
        id              VARCHAR PRIMARY KEY
        fingerprint     VARCHAR NOT NULL     -- normalised-content hash: re-posts share it
        path            VARCHAR NOT NULL     -- file as given ("archive.zip!member" inside archives)
        locator         VARCHAR NOT NULL     -- "" for a one-notice file, index/key/release id otherwise
        url             VARCHAR
        kind            VARCHAR NOT NULL     -- html | pdf | image | text | record | ocds
        title           VARCHAR
        body            VARCHAR
        attachments     VARCHAR
        notice_type     VARCHAR NOT NULL     -- tender | amendment | award | contract | cancellation | other
        published       DATE                 -- cast from the notice's text on insert: NULL when it is no date
        project_code    VARCHAR
        ocid            VARCHAR
        buyer           VARCHAR
        language        VARCHAR
        country         VARCHAR
        province        VARCHAR
        city            VARCHAR
        district        VARCHAR
        admin_code      VARCHAR
        amount_value    DOUBLE               -- headline figure (award/contract preferred over budget)
        amount_currency VARCHAR
        amount_kind     VARCHAR              -- budget | award | contract
        relevant        BOOLEAN NOT NULL
        score           DOUBLE NOT NULL
        title_match     BOOLEAN NOT NULL     -- some category evidence lies in the title (strict count)
        ingested_at     TIMESTAMP NOT NULL
        role            VARCHAR              -- primary | component (surveillance is what is bought | a part)
        ocr_confidence  DOUBLE               -- 0..1: the OCR engine's confidence when text came from a scan
        amount_notes    VARCHAR              -- figures rejected as implausible (amount_limits): what and why
        """,
        kinds={"published": "string"},
        filled={"ingested_at": NOW},
    ),
    table(
        "parties",
        "notice",
        """
        notice_id VARCHAR NOT NULL
        role      VARCHAR NOT NULL  -- buyer | supplier | candidate (a ranked bidder, not a winner)
        position  INTEGER NOT NULL  -- order among the notice's suppliers; a candidate's rank (1 = first)
        name      VARCHAR NOT NULL
        vendor    VARCHAR           -- vendor id when the name resolves to a known vendor
        """,
    ),
    table(
        "amounts",
        "notice",
        """
        notice_id VARCHAR NOT NULL
        position  INTEGER NOT NULL
        value     DOUBLE NOT NULL
        currency  VARCHAR NOT NULL
        kind      VARCHAR NOT NULL
        """,
    ),
    table(
        "findings",
        "notice",
        """
        notice_id VARCHAR NOT NULL
        category  VARCHAR NOT NULL  -- taxonomy id
        score     DOUBLE NOT NULL
        role      VARCHAR           -- primary | component
        """,
    ),
    table(
        "vendor_mentions",
        "notice",
        """
        notice_id VARCHAR NOT NULL
        vendor    VARCHAR NOT NULL
        """,
    ),
    table(
        "evidence",
        "notice",
        """
        notice_id    VARCHAR NOT NULL
        subject_kind VARCHAR NOT NULL  -- category | vendor
        subject      VARCHAR NOT NULL  -- taxonomy id or vendor id
        field        VARCHAR NOT NULL  -- title | body | attachments
        start_offset INTEGER NOT NULL
        end_offset   INTEGER NOT NULL
        text         VARCHAR NOT NULL
        """,
    ),
    table(
        "items",
        "notice",
        """
        notice_id   VARCHAR NOT NULL
        position    INTEGER NOT NULL
        description VARCHAR
        scheme      VARCHAR           -- CPV | UNSPSC | DK021 | CUCOP ...
        code        VARCHAR
        """,
    ),
    table(
        "files",
        "files",
        """
        path        VARCHAR PRIMARY KEY
        size        BIGINT
        mtime       DOUBLE
        status      VARCHAR NOT NULL     -- done | skipped | partial
        notices     INTEGER NOT NULL
        errors      INTEGER NOT NULL
        error       VARCHAR              -- the first reason something was skipped
        ingested_at TIMESTAMP NOT NULL
        """,
        comment="One row per input file seen by ingest: what landed and what was skipped, and why.",
        filled={"ingested_at": NOW},
    ),
    table(
        "procurements",
        "links",
        """
        id              VARCHAR PRIMARY KEY
        title           VARCHAR
        buyer           VARCHAR
        project_code    VARCHAR
        ocid            VARCHAR
        first_published DATE
        last_published  DATE
        status          VARCHAR              -- open | awarded | contracted | cancelled
        notices         INTEGER NOT NULL
        spend_value     DOUBLE               -- award/contract value when known, else budget (see spend_kind)
        spend_currency  VARCHAR
        spend_kind      VARCHAR
        relevant        BOOLEAN NOT NULL
        score           DOUBLE NOT NULL
        title_match     BOOLEAN NOT NULL
        country         VARCHAR
        province        VARCHAR
        city            VARCHAR
        admin_code      VARCHAR
        buyer_key       VARCHAR              -- the earliest notice's link keys (notice_keys) that are set
        title_key       VARCHAR
        code_key        VARCHAR
        notices_all     INTEGER              -- notices with re-posts (notices leaves them out)
        spend_notice    VARCHAR              -- the notice spend_value is taken from
        role            VARCHAR              -- primary if a member's purchase is surveillance, else component
        """,
        comment="Linking (link/run.py): every notice belongs to exactly one procurement.",
    ),
    table(
        "notice_links",
        "links",
        """
        notice_id      VARCHAR PRIMARY KEY
        procurement_id VARCHAR NOT NULL
        reason         VARCHAR NOT NULL     -- first|fingerprint|near_duplicate|project_code|ocid|similarity
        score          DOUBLE NOT NULL
        duplicate_of   VARCHAR              -- set when this notice is a re-post of another notice
        """,
    ),
    # A signature is random bytes: DuckDB's string compression saves nothing on it, and trying it was
    # most of a checkpoint's work for this table (docs/measurements.md).
    table(
        "notice_minhash",
        "link_keys",
        """
        notice_id VARCHAR NOT NULL
        signature BLOB NOT NULL USING COMPRESSION uncompressed  -- MinHash of title and body (num_perm uint32)
        """,
        comment="What linking compares of each notice (link/keys.py), written with the notice while storing.",
    ),
    table(
        "notice_lsh_bands",
        "link_keys",
        """
        notice_id VARCHAR NOT NULL
        band      SMALLINT NOT NULL
        hash      BIGINT NOT NULL
        """,
    ),
    table(
        "notice_keys",
        "link_keys",
        """
        notice_id VARCHAR NOT NULL
        buyer_key VARCHAR
        title_key VARCHAR
        code_key  VARCHAR
        cancelled BOOLEAN NOT NULL
        """,
    ),
    table(
        "reviews",
        "reviews",
        """
        id             BIGINT PRIMARY KEY   -- in the order decided: the latest decision on a procurement wins
        decision       VARCHAR NOT NULL     -- confirmed | rejected (is it a surveillance purchase)
        categories     VARCHAR              -- taxonomy ids the reviewer names, comma-separated
        role           VARCHAR              -- primary | component
        note           VARCHAR              -- why (exported as the label's basis)
        reviewer       VARCHAR NOT NULL
        decided_at     TIMESTAMP NOT NULL
        procurement_id VARCHAR NOT NULL     -- the procurement when decided (ids change on re-linking)
        """,
        comment=(
            "A person's decisions on procurements (review/decisions.py). Kept across re-ingest and\n"
            "re-linking: a decision holds through its member notices' fingerprints (review_notices),\n"
            "not the procurement id."
        ),
    ),
    table(
        "review_notices",
        "reviews",
        """
        review_id   BIGINT NOT NULL
        fingerprint VARCHAR NOT NULL  -- a member notice's normalised-content hash: what the decision follows
        notice_id   VARCHAR NOT NULL
        path        VARCHAR NOT NULL
        locator     VARCHAR NOT NULL
        """,
    ),
)

TABLES += (
    table(
        "organisations",
        "entities",
        """
        id          VARCHAR PRIMARY KEY  -- v-<vendor id> for a vendor of vendors.json, else o-<hash of key>
        name        VARCHAR NOT NULL     -- the spelling written most often (a vendor's own name)
        key         VARCHAR NOT NULL     -- the smallest normalised key among its names (entities/keys.py)
        vendor      VARCHAR              -- vendor id when the organisation is a vendor's anchor
        parent_id   VARCHAR              -- the organisation a branch or a vendor's company belongs to
        parent_rule VARCHAR              -- branch | vendor-family
        mentions    INTEGER NOT NULL     -- buyer, supplier and candidate mentions of its names
        """,
        comment=(
            "Organisations behind buyer, supplier and candidate names (entities/), rebuilt after\n"
            "linking from the names in parties and the corrections in organisation_decisions."
        ),
    ),
    table(
        "organisation_names",
        "entities",
        """
        name            VARCHAR PRIMARY KEY  -- a name exactly as parties holds it
        key             VARCHAR NOT NULL     -- its normalised key
        organisation_id VARCHAR NOT NULL
        rule            VARCHAR NOT NULL     -- why it is there: same-key | vendor-alias | place-prefix ...
        mentions        INTEGER NOT NULL     -- rows of parties with this name
        roles           VARCHAR NOT NULL     -- the roles it is written in, comma-separated
        """,
    ),
    table(
        "organisation_procurements",
        "entities",
        """
        organisation_id VARCHAR NOT NULL
        role            VARCHAR NOT NULL     -- buyer | supplier | candidate
        procurement_id  VARCHAR NOT NULL
        rank            INTEGER              -- a candidate's best rank in the procurement
        year            INTEGER              -- of the procurement's first notice
        relevant        BOOLEAN NOT NULL
        spend_value     DOUBLE
        spend_currency  VARCHAR
        categories      VARCHAR              -- of a surveillance procurement, comma-separated
        evidence        VARCHAR              -- one evidence text of its categories
        """,
        comment=(
            "Who took part in which procurement, in which role: what the organisation pages and the\n"
            "network read, kept in organisation order (entities/build.py)."
        ),
    ),
    table(
        "organisation_stats",
        "entities",
        """
        organisation_id VARCHAR NOT NULL
        role            VARCHAR NOT NULL     -- buyer | supplier (winners; candidates are not counted)
        procurements    INTEGER NOT NULL
        surveillance    INTEGER NOT NULL     -- of them, detected as surveillance (relevant)
        spend_value     DOUBLE               -- summed spend in spend_currency (the most frequent currency)
        spend_currency  VARCHAR
        first_year      INTEGER
        last_year       INTEGER
        categories      VARCHAR              -- taxonomy ids of its surveillance procurements, comma-separated
        counterparts    INTEGER NOT NULL     -- suppliers of a buyer, buyers of a supplier
        search_text     VARCHAR NOT NULL     -- its names, folded, for the list's search
        """,
        comment="What /buyers and /suppliers list, per organisation and role (entities/build.py).",
    ),
    table(
        "organisation_decisions",
        "reviews",
        """
        id         BIGINT PRIMARY KEY   -- in the order decided: a later decision on a key wins
        action     VARCHAR NOT NULL     -- merge | split
        name_a     VARCHAR NOT NULL     -- as the person gave it
        key_a      VARCHAR NOT NULL     -- what it follows (a split: '=' + the spelling's literal key)
        name_b     VARCHAR
        key_b      VARCHAR
        note       VARCHAR
        reviewer   VARCHAR NOT NULL
        decided_at TIMESTAMP NOT NULL
        """,
        comment=(
            "A person's corrections of organisations (entities/decisions.py), kept by the names' keys,\n"
            "so they hold across re-ingest and every rebuild of the organisation tables."
        ),
    ),
)

TABLE: dict[str, Table] = {t.name: t for t in TABLES}

# The tables holding each notice's rows, written in the notice's transaction: `notices` first,
# then its child tables (keyed by notice_id).
NOTICE_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.made_by in ("notice", "link_keys"))
CHILD_TABLES: tuple[str, ...] = tuple(name for name in NOTICE_TABLES if name != "notices")
# Those of them that link/keys.py makes, and the rest, which store/plain_columns.py makes.
LINK_KEY_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.made_by == "link_keys")
OWN_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.made_by == "notice")


ABOUT = """procurewatch store: one DuckDB file. Facts per notice, findings with evidence, and
procurements (linked notices). Every table is keyed by notice id, so a notice's rows
are written in the same transaction and re-ingesting replaces nothing.
Generated from store/tables.py, which is what to edit."""


def schema_sql() -> str:
    """The CREATE TABLE statements of every table (IF NOT EXISTS), with their comments."""
    about = "".join(f"-- {line}\n" for line in ABOUT.splitlines())
    return "\n".join([about, *(t.create_sql() for t in TABLES)])


if __name__ == "__main__":
    print(schema_sql(), end="")
