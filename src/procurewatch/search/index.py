"""The full-text index: tantivy, beside the store in `<db>.index/`, keyed by notice id.

Two text fields are indexed, their texts made by search/tokens.py:
  seg     rjieba `cut_for_search` words for CJK runs, lower-cased words for everything else
          (in any script: Cyrillic and accented words stay whole)
          (split and lower-cased as tokens.seg_analyzer splits and lower-cases them, in Python)
  bigram  overlapping character pairs of every CJK run, so any Chinese substring of two or
          more characters is found by a phrase of its pairs (人脸, 卡口, 声纹, "人脸识别")
          (made in Python, split on whitespace by ANALYZER)

Each notice also carries the explorer's filter and facet values (year, day, relevant, country,
province, notice type, language, buyer, city, categories, vendors, purchaser types) as exact,
fast-field terms, so a broad search is filtered and its facets counted inside tantivy.

Only the notice id is stored; DuckDB stays the source of truth and the index can always be
rebuilt from it (`procurewatch index --rebuild`). `indexed_ids.parquet` beside the segments
records which store ids the index holds, so `sync_index` adds only what is missing.

User queries never reach tantivy's query parser: `parse_user_query` reads them leniently
(words, "quoted phrases", -exclusions) and `build_query` makes tantivy query objects directly.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import tantivy

from procurewatch.errors import ProcurewatchError, SearchError
from procurewatch.search.aliases import alias_terms
from procurewatch.search.cores import IndexingPlan, indexing_plan
from procurewatch.search.cutting import TextCutter
from procurewatch.search.tokens import MAX_TOKEN, pair_analyzer, pairs, runs, warm_up, word_analyzer
from procurewatch.store.db import memory_limited, one_thread, over_limit_note

ANALYZER = "pw_ws"  # the bigram field: pre-made pairs split on whitespace
SEG_ANALYZER = "pw_seg"
IDS_FILE = "indexed_ids.parquet"
FORMAT_FILE = "procurewatch-index-format"
FORMAT = "5"  # 4: seg words split by tantivy (SEG_ANALYZER), not in Python; 5: rjieba on CJK runs only
# the purchaser lexicon the buyer_type terms were derived with; a changed lexicon leaves them stale
PURCHASERS_FILE = "procurewatch-index-purchasers"
# tantivy's buffer before it writes a segment: a smaller one makes more segments to merge (slower,
# and equal segments get merged while indexing goes on); a bigger one holds more memory for no speed
WRITER_HEAP = 128_000_000
# tantivy's indexing threads and the processes cutting texts come from the machine's cores
# (search/cores.py, data/indexing.json). With more than one thread, each makes segments of its own:
# hits and scores stay the same, and equal scores are ordered by date and id wherever hits are shown
# (query/notices.py)
# notices indexed per writer session (commit, then wait for tantivy's merges). In one long session,
# the segments tantivy flushes as its buffers fill are merged while it goes on indexing, beside full
# buffers, so memory grows with the corpus; sessions keep it flat at a small cost in time
# (docs/measurements.md)
INDEX_SESSION = 100_000
# documents of a session made while the session before commits, before this thread waits for that commit:
# enough to keep tantivy's indexing thread busy as soon as the next writer opens, few enough to hold
# little memory (docs/measurements.md)
PENDING_DOCS = 500
# notices per Arrow batch: each batch's texts, tokens and pair arrays are held at once, and bigger
# batches are no faster
BATCH = 500
# text characters cut at once: cutting holds a few tens of bytes per character of what it cuts (code
# points, their kinds, pieces, tokens), so a batch of long texts is cut, and its documents added, in
# slices of at most this many characters (a longer text alone). Batches of the corpora measured stay
# under it (docs/measurements.md)
BATCH_CHARS = 1_000_000
# DuckDB caches every block it reads up to its memory limit (80% of RAM by default), so indexing
# would keep most of the store's text in memory. Under this limit, on one thread, it evicts them;
# what must stay is the query's hash tables, which grow with the notices of the session, and the
# table of ids to index, which grows with the store (the limit counts every stored notice, which the
# ids to index never outnumber). A smaller session is given a whole session's share all the same: a
# small incremental session into a big store needs about as much as a full one.
INDEX_MEMORY_BASE = 48 * 2**20
INDEX_MEMORY_PER_NOTICE = 160  # of a session
INDEX_MEMORY_PER_STORED = 40  # of every notice in the store


def index_memory_limit(stored: int) -> int:
    """DuckDB's memory limit while indexing a store of `stored` notices, in bytes."""
    return INDEX_MEMORY_BASE + INDEX_MEMORY_PER_NOTICE * INDEX_SESSION + INDEX_MEMORY_PER_STORED * stored


# notice columns indexed as exact values (category, vendor and buyer_type hold several per notice)
FACET_FIELDS = (
    "country",
    "province",
    "notice_type",
    "language",
    "buyer",
    "city",
    "category",
    "vendor",
    "buyer_type",
)
_YEAR = re.compile(r"(19[89]\d|20\d\d)")
_QUERY_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def index_dir_for(db_path: Path | str) -> Path:
    return Path(f"{db_path}.index")


# ---------------------------------------------------------------- the index


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("seg", stored=False, tokenizer_name=SEG_ANALYZER)
    builder.add_text_field("bigram", stored=False, tokenizer_name=ANALYZER)
    builder.add_integer_field("year", stored=False, indexed=True, fast=True)
    # the explorer's filters and facets, so broad searches filter and count inside tantivy
    builder.add_integer_field("day", stored=False, indexed=True, fast=True)  # days since 1970-01-01
    builder.add_unsigned_field("relevant", stored=False, indexed=True)
    for name in FACET_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name="raw", index_option="basic", fast=True)
    # a per-index ordinal, mapped to the notice id by indexed_ids.parquet: hits resolve to ids
    # through a fast-field column instead of a stored-document fetch per hit
    builder.add_unsigned_field("key", stored=False, indexed=False, fast=True)
    return builder.build()


def open_index(index_dir: Path, create: bool = False) -> tantivy.Index:
    if create:
        index_dir.mkdir(parents=True, exist_ok=True)
    elif not (index_dir / "meta.json").exists():
        raise SearchError(f"no search index at {index_dir}: run 'procurewatch index --db <store>'")
    if not create and not _current_format(index_dir):
        raise SearchError(
            f"the search index at {index_dir} is of an older layout: run 'procurewatch index --rebuild'"
        )
    if create and (index_dir / "meta.json").exists() and not _current_format(index_dir):
        shutil.rmtree(index_dir)  # an index of an older layout: rebuilt from the store
        index_dir.mkdir(parents=True)
    (index_dir / FORMAT_FILE).write_text(FORMAT)
    index = tantivy.Index(_schema(), path=str(index_dir), reuse=True)
    index.register_tokenizer(ANALYZER, pair_analyzer())
    index.register_tokenizer(SEG_ANALYZER, word_analyzer())
    return index


def index_is_current(db_path: Path) -> bool:
    index_dir = index_dir_for(db_path)
    return (index_dir / "meta.json").exists() and _current_format(index_dir)


def _current_format(index_dir: Path) -> bool:
    marker = index_dir / FORMAT_FILE
    return marker.exists() and marker.read_text().strip() == FORMAT


def _connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.ConnectionException:
        # The same process already holds the store open for writing (ingest calls us then).
        con = duckdb.connect(str(db_path))
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would be drawn over ours
    return con


# What a notice's document takes from the tables beside notices, gathered for the session's notices only
# (each statement in turn, into a temporary table): an aggregate over a whole table holds every stored
# supplier, finding and vendor in its hash table, which outgrew the limit on stores with many findings
# (docs/measurements.md). Supplier names are joined in their order in the notice (`position`: the order
# they are stored in), whatever the number of threads.
_SIDE_SQL = (
    """CREATE OR REPLACE TEMP TABLE pw_suppliers AS
       SELECT notice_id, string_agg(name, ' ' ORDER BY position) AS names FROM parties
       WHERE role = 'supplier' AND notice_id IN (SELECT id FROM pw_session) GROUP BY notice_id""",
    """CREATE OR REPLACE TEMP TABLE pw_categories AS
       SELECT notice_id, list(DISTINCT category) AS category FROM findings
       WHERE notice_id IN (SELECT id FROM pw_session) GROUP BY notice_id""",
    """CREATE OR REPLACE TEMP TABLE pw_vendors AS
       SELECT notice_id, list(DISTINCT vendor) AS vendor FROM (
           SELECT notice_id, vendor FROM vendor_mentions WHERE notice_id IN (SELECT id FROM pw_session)
           UNION SELECT notice_id, vendor FROM parties
                 WHERE role = 'supplier' AND vendor IS NOT NULL AND notice_id IN (SELECT id FROM pw_session))
       GROUP BY notice_id""",
)
_SIDE_TABLES = ("pw_suppliers", "pw_categories", "pw_vendors")

_TEXT_SQL = """
SELECT n.id, m.key, year(n.published) AS year,
       concat_ws(' ', n.title, n.body, n.attachments, n.buyer, n.project_code, s.names) AS text,
       CAST(n.published - DATE '1970-01-01' AS INTEGER) AS day, n.relevant,
       n.country, n.province, n.notice_type, n.language, n.buyer, n.city,
       c.category, v.vendor,
       list_filter([{buyer_types}], lambda t: t IS NOT NULL) AS buyer_type
FROM notices n JOIN pw_session m ON m.id = n.id
LEFT JOIN pw_suppliers s ON s.notice_id = n.id
LEFT JOIN pw_categories c ON c.notice_id = n.id
LEFT JOIN pw_vendors v ON v.notice_id = n.id
"""


def _text_sql() -> tuple[str, list[Any]]:
    """The indexing query, with each purchaser type tested by the SQL the analyses use."""
    from procurewatch.detect.purchaser import buyer_type_condition, purchaser_patterns

    params: list[Any] = []
    tests = []
    for name in sorted(purchaser_patterns()):
        condition = buyer_type_condition([name], params, column="n.buyer")
        tests.append(f"CASE WHEN {condition} THEN '{name}' END")
    return _TEXT_SQL.format(buyer_types=", ".join(tests) or "NULL"), params


class Writer(Protocol):
    """What indexing asks of a writer (tantivy's, or a session's that opens it later: `_SessionWriter`)."""

    def add_document(self, doc: tantivy.Document) -> int: ...

    def delete_documents_by_term(self, field_name: str, field_value: Any) -> int: ...


def add_notices(
    con: duckdb.DuckDBPyConnection,
    writer: Writer,
    replace: bool,
    cutter: TextCutter | None = None,
) -> int:
    """Index the notices of temp table pw_session (id, key), their texts cut by `cutter` (in this
    thread if None; search/cutting.py)."""
    added = 0
    sql, params = _text_sql()
    cutter = cutter or TextCutter(0)
    try:
        for statement in _SIDE_SQL:
            con.execute(statement)
        reader = con.sql(sql, params=params).to_arrow_reader(BATCH)
        # closed on every way out: a result left open would make the connection refuse the statements
        # that restore its settings, and their error would hide this one
        with closing(reader), closing(cutter.cut_in_order((b, b.column(3)) for b in _slices(reader))) as cut:
            for batch, (segs, bigrams) in cut:
                added += _add_batch(writer, batch, segs, bigrams, replace)
    finally:
        for table in _SIDE_TABLES:
            with suppress(duckdb.TransactionException):  # an aborted transaction refuses: replaced next time
                con.execute(f"DROP TABLE IF EXISTS {table}")
    return added


def _slices(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each batch whole, or in consecutive slices of at most BATCH_CHARS text characters (a longer text
    alone) when its texts are longer. Slices are copies: a zero-copy slice would take the whole batch's
    texts with it to a cutting process (pickled with its buffers)."""
    for batch in batches:
        texts = batch.column(3)
        if texts.nbytes <= BATCH_CHARS:  # never fewer bytes than characters
            yield batch
            continue
        start, chars = 0, 0
        for row, length in enumerate(len(text or "") for text in texts.to_pylist()):
            if chars + length > BATCH_CHARS and row > start:
                yield batch.take(pa.array(range(start, row)))
                start, chars = row, 0
            chars += length
        if start == 0:
            yield batch
        else:
            yield batch.take(pa.array(range(start, batch.num_rows)))


def _add_batch(
    writer: Writer,
    batch: pa.RecordBatch,
    segs: list[str | tantivy.PreTokenizedString],
    bigrams: list[str],
    replace: bool,
) -> int:
    """Each notice's document, built value by value: tantivy-py's Document constructor guesses each
    keyword argument's type, which costs more than the typed `add_*` calls. A document's values are
    kept by field name, so the order they are added in changes nothing indexed."""
    ids = batch.column(0).to_pylist()
    keys = batch.column(1).to_pylist()
    years = batch.column(2).to_pylist()
    days = batch.column(4).to_pylist()
    relevant = batch.column(5).to_pylist()
    columns = [(name, batch.column(6 + i)) for i, name in enumerate(FACET_FIELDS)]
    # one value or none a notice, or a list of values (category, vendor, buyer_type)
    single = [(name, column.to_pylist()) for name, column in columns if not _is_list(column.type)]
    several = [(name, column.to_pylist()) for name, column in columns if _is_list(column.type)]
    rows = zip(ids, keys, years, days, relevant, segs, bigrams, strict=True)
    for row, (notice_id, key, year, day, is_relevant, seg, bigram) in enumerate(rows):
        if replace:
            writer.delete_documents_by_term("id", notice_id)
        doc = tantivy.Document()
        doc.add_text("id", notice_id)
        if isinstance(seg, str):
            doc.add_text("seg", seg)
        else:  # words tantivy's analyzer lower-cased (tokens.lowered_words)
            doc.add_pre_tokenized_text("seg", seg)
        doc.add_text("bigram", bigram)
        doc.add_unsigned("key", key)
        if year is not None:
            doc.add_integer("year", year)
        if day is not None:
            doc.add_integer("day", day)
        doc.add_unsigned("relevant", 1 if is_relevant else 0)
        for name, values in single:
            value = values[row]
            if value is not None:
                doc.add_text(name, value)
        for name, values in several:
            for item in values[row] or ():
                if item is not None:
                    doc.add_text(name, item)
        writer.add_document(doc)
    return len(ids)


def _is_list(kind: pa.DataType) -> bool:
    return pa.types.is_list(kind) or pa.types.is_large_list(kind)


@contextmanager
def _memory_limited(con: duckdb.DuckDBPyConnection, limit: int) -> Iterator[None]:
    """Run DuckDB under `limit` bytes on one thread (each thread has hash tables of its own)."""
    with memory_limited(con, limit), one_thread(con):
        yield


def _ensure_read_indexes(db_path: Path) -> None:
    """Create the store's missing lookup indexes when the store can be opened for writing.

    Skipped (the explorer still works, only slower) while another process holds the store,
    e.g. a running server: indexing then reads the store without locking it for writing."""
    from procurewatch.store.read_indexes import ensure_read_indexes

    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error:
        return
    try:
        ensure_read_indexes(con)
    finally:
        con.close()


def purchasers_fingerprint() -> str:
    import hashlib
    import json

    from procurewatch.detect.purchaser import purchaser_patterns

    return hashlib.sha256(json.dumps(purchaser_patterns(), sort_keys=True).encode()).hexdigest()[:16]


RETRY_NOTE = over_limit_note("indexing")


class _Commit:
    """A session's writer committed, and its merges waited for, in a thread of its own (tantivy's calls
    release Python's lock), while this thread reads and cuts the next session's first notices."""

    def __init__(self, writer: tantivy.IndexWriter) -> None:
        self.error: BaseException | None = None
        # not a daemon: a process leaving by an error or Ctrl-C waits for the commit at exit, where a daemon
        # thread would be stopped inside tantivy and abort the process
        self.thread = threading.Thread(target=self._run, args=(writer,), name="pw-index-commit")
        self.thread.start()

    def _run(self, writer: tantivy.IndexWriter) -> None:
        try:
            writer.commit()
            writer.wait_merging_threads()
        except BaseException as exc:  # raised again in the thread that waits
            self.error = exc

    def done(self) -> bool:
        return not self.thread.is_alive()

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class _SessionWriter:
    """One session's writer, opened once the session before has committed (`before`): until then its
    documents and deletions wait here, in order, and are handed to the writer as it opens; at
    PENDING_DOCS documents this thread waits for that commit. tantivy takes them as if added then."""

    def __init__(self, index: tantivy.Index, threads: int, before: _Commit | None) -> None:
        self.index = index
        self.threads = threads
        self.before = before
        self.writer: tantivy.IndexWriter | None = None
        self.pending: list[tuple[bool, Any]] = []  # (a document?, the document or the id deleted)
        self.pending_docs = 0
        if before is None:
            self.opened()

    def opened(self) -> tantivy.IndexWriter:
        """The writer, opened after the commit before it (waited for if need be)."""
        if self.writer is None:
            if self.before is not None:
                self.before.wait()
                self.before = None
            self.writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=self.threads)
            for is_doc, item in self.pending:
                if is_doc:
                    self.writer.add_document(item)
                else:
                    self.writer.delete_documents_by_term("id", item)
            self.pending = []
        return self.writer

    def _ready(self) -> tantivy.IndexWriter | None:
        if self.writer is not None:
            return self.writer
        if self.pending_docs >= PENDING_DOCS or self.before is None or self.before.done():
            return self.opened()
        return None

    def add_document(self, doc: tantivy.Document) -> int:
        writer = self._ready()
        if writer is not None:
            return writer.add_document(doc)
        self.pending.append((True, doc))
        self.pending_docs += 1
        return 0

    def delete_documents_by_term(self, field_name: str, field_value: Any) -> int:
        writer = self._ready()
        if writer is not None:
            return writer.delete_documents_by_term(field_name, field_value)
        if field_name != "id":
            raise ValueError(f"only deletions by id wait for a writer, not by {field_name!r}")
        self.pending.append((False, field_value))
        return 0


def _index_session(
    con: duckdb.DuckDBPyConnection,
    index: tantivy.Index,
    stale: list[str],
    replace: bool,
    limit: int,
    notes: list[str],
    threads: int,
    cutter: TextCutter,
    before: _Commit | None = None,
) -> tuple[int, _Commit]:
    """Index the notices of pw_session and drop the stale ids (none of them stored, so none of the
    notices just added) in one writer session, opened once `before` (the session before's) has committed.
    Returns the count and the session's commit, under way in a thread: wait for it."""
    writer = _SessionWriter(index, threads, before)
    try:
        with _memory_limited(con, limit):
            added = add_notices(con, writer, replace, cutter)
    except (duckdb.OutOfMemoryException, OSError) as exc:
        # the Arrow reader reports DuckDB's error as an OSError
        if "Out of Memory" not in str(exc):
            raise
        # a store the limit does not fit: start the session again under DuckDB's own limit
        if RETRY_NOTE not in notes:
            notes.append(RETRY_NOTE)
        writer.opened().rollback()
        added = add_notices(con, writer, replace, cutter)
    for notice_id in stale:
        writer.delete_documents_by_term("id", notice_id)
    return added, _Commit(writer.opened())


def _write_ids_aside(con: duckdb.DuckDBPyConnection, index_dir: Path, select_sql: str) -> Path:
    """The ids file's next version, written beside it: `os.replace` puts it in place."""
    tmp = index_dir / f"{IDS_FILE}.tmp"
    con.execute(f"COPY ({select_sql}) TO '{_sql_path(tmp)}' (FORMAT parquet)")
    return tmp


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def sync_index(db_path: Path, notes: list[str] | None = None, plan: IndexingPlan | None = None) -> int:
    """Add every stored notice missing from the index (and drop ids gone from the store), after
    creating the store's lookup indexes if they are missing (store/read_indexes.py).

    Returns how many notices were added; what the caller should know goes into `notes`. Creates
    the index on first use. `plan`: the threads and processes to use (by the machine's cores if None).
    """
    db_path = Path(db_path)
    plan = plan or indexing_plan(WRITER_HEAP)
    index_dir = index_dir_for(db_path)
    if not plan.cutting_processes and not (index_dir / IDS_FILE).exists():
        warm_up()  # a new index: every stored notice is to be cut in this thread
    _ensure_read_indexes(db_path)
    index = open_index(index_dir, create=True)
    ids_file = index_dir / IDS_FILE
    con = _connect(db_path)
    try:
        indexed = (
            f"SELECT id, key FROM read_parquet('{_sql_path(ids_file)}')"
            if ids_file.exists()
            else "SELECT NULL::VARCHAR AS id, NULL::UBIGINT AS key WHERE false"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW pw_indexed AS {indexed}")
        (stored,) = con.execute("SELECT count(*) FROM notices").fetchall()[0]
        limit = index_memory_limit(stored)
        # under the limit too: DuckDB would otherwise keep the blocks these scans read
        with _memory_limited(con, limit):
            next_key = con.execute("SELECT coalesce(max(key) + 1, 0) FROM pw_indexed").fetchall()[0][0]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE pw_missing AS "
                "SELECT id, CAST(? + row_number() OVER () - 1 AS UBIGINT) AS key "
                "FROM notices WHERE id NOT IN (SELECT id FROM pw_indexed)",
                [next_key],
            )
            stale = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM pw_indexed WHERE id NOT IN (SELECT id FROM notices)"
                ).fetchall()
            ]
            missing = con.execute("SELECT count(*) FROM pw_missing").fetchall()[0][0]
        if missing and not plan.processes_for(missing):
            warm_up()
        if not missing and not stale and ids_file.exists():
            return 0
        if not (index_dir / PURCHASERS_FILE).exists():  # a new index: every document gets this lexicon
            (index_dir / PURCHASERS_FILE).write_text(purchasers_fingerprint())
        replace = ids_file.exists() or index.searcher().num_docs > 0
        added = 0
        commit: _Commit | None = None
        try:
            with TextCutter(plan.processes_for(missing)) as cutter:
                for low in range(next_key, next_key + max(missing, 1), INDEX_SESSION):
                    high = low + INDEX_SESSION
                    con.execute(
                        "CREATE OR REPLACE TEMP TABLE pw_session AS SELECT id, key FROM pw_missing "
                        "WHERE key >= ? AND key < ?",
                        [low, high],
                    )
                    session_added, commit = _index_session(
                        con,
                        index,
                        stale if low == next_key else [],
                        replace,
                        limit,
                        notes if notes is not None else [],
                        plan.tantivy_threads,
                        cutter,
                        commit,
                    )
                    added += session_added
            # written once, at the end (writing it per session costs memory), while the last session
            # commits, and put in place once it has: it never lists a notice the committed index lacks.
            # A run stopped after a session leaves documents the file does not list; the next run is then
            # in replace mode (the index is not empty) and deletes each notice's document before adding it
            with _memory_limited(con, limit):
                ids_aside = _write_ids_aside(
                    con,
                    index_dir,
                    "SELECT id, key FROM pw_indexed WHERE id IN (SELECT id FROM notices) "
                    "UNION ALL SELECT id, key FROM pw_missing ORDER BY key",
                )
        finally:
            # every way out waits for the last commit under way: what it commits is indexed (a run stopped
            # here resumes from it), and an error it raised is raised here
            if commit is not None:
                commit.wait()
        os.replace(ids_aside, index_dir / IDS_FILE)
        return added
    finally:
        con.close()


def rebuild_index(db_path: Path, plan: IndexingPlan | None = None) -> int:
    """Throw the index away and index every stored notice again. Returns the count."""
    db_path = Path(db_path)
    index_dir = index_dir_for(db_path)
    if index_dir.exists():
        shutil.rmtree(index_dir)
    return sync_index(db_path, plan=plan)


# ---------------------------------------------------------------- querying


@dataclass(slots=True)
class QueryPart:
    text: str
    phrase: bool = False
    negate: bool = False
    aliases: list[str] = field(default_factory=list)  # other names of what text names (search/aliases.py)


@dataclass(slots=True)
class ParsedQuery:
    parts: list[QueryPart] = field(default_factory=list)

    @property
    def positive(self) -> list[QueryPart]:
        return [p for p in self.parts if not p.negate]

    def highlight_terms(self) -> list[str]:
        """Strings to mark in result text: CJK runs as typed, other words as typed."""
        terms: list[str] = []
        for part in self.positive:
            for text in (part.text, *part.aliases):
                terms.extend(run for _, run in runs(text))
        return sorted(set(terms), key=len, reverse=True)


def parse_user_query(text: str) -> ParsedQuery:
    """Read what a person typed: words, "quoted phrases" and -exclusions; nothing else is syntax."""
    parsed = ParsedQuery()
    for match in _QUERY_TOKENS.finditer(text or ""):
        neg, quoted, bare = match.groups()
        if quoted is not None:
            part = QueryPart(quoted, phrase=True, negate=bool(neg))
        else:
            negate = bare.startswith("-") and len(bare) > 1
            part = QueryPart(bare[1:] if negate else bare, negate=negate)
        if any(True for _ in runs(part.text)):
            if not part.negate:
                part.aliases = alias_terms(part.text)
            parsed.parts.append(part)
    return parsed


def _cjk_query(schema: tantivy.Schema, run: str) -> tantivy.Query:
    if len(run) == 1:
        char = re.escape(run)
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.term_query(schema, "bigram", run)),
                (tantivy.Occur.Should, tantivy.Query.regex_query(schema, "bigram", f"{char}.|.{char}")),
            ]
        )
    run_pairs = pairs(run)
    exact = (
        tantivy.Query.term_query(schema, "bigram", run_pairs[0])
        if len(run_pairs) == 1
        else tantivy.Query.phrase_query(schema, "bigram", run_pairs)
    )
    # a whole-word match in the segmented field ranks higher
    boost = tantivy.Query.term_query(schema, "seg", run.lower())
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, exact), (tantivy.Occur.Should, boost)])


def _words_query(schema: tantivy.Schema, words: list[str]) -> tantivy.Query:
    words = [w.lower()[:MAX_TOKEN] for w in words]
    if len(words) == 1:
        word = tantivy.Query.term_query(schema, "seg", words[0])
        if _YEAR.fullmatch(words[0]):
            # a bare year also means "published that year"
            year = tantivy.Query.term_query(schema, "year", int(words[0]))
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, word), (tantivy.Occur.Should, year)])
        return word
    return tantivy.Query.phrase_query(schema, "seg", words)


def _part_query(schema: tantivy.Schema, part: QueryPart) -> tantivy.Query:
    if part.aliases:  # any of the names
        names = [part.text, *part.aliases]
        options = [_text_query(schema, text) for text in names]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in options])
    return _text_query(schema, part.text)


def _text_query(schema: tantivy.Schema, text: str) -> tantivy.Query:
    clauses: list[tantivy.Query] = []
    words: list[str] = []
    for is_cjk, run in runs(text):
        if is_cjk:
            if words:
                clauses.append(_words_query(schema, words))
                words = []
            clauses.append(_cjk_query(schema, run))
        else:
            words.append(run)
    if words:
        clauses.append(_words_query(schema, words))
    if len(clauses) == 1:
        return clauses[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, c) for c in clauses])


def build_query(schema: tantivy.Schema, parsed: ParsedQuery) -> tantivy.Query:
    clauses = [
        (tantivy.Occur.MustNot if p.negate else tantivy.Occur.Must, _part_query(schema, p))
        for p in parsed.parts
    ]
    if not parsed.positive:
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    return tantivy.Query.boolean_query(clauses)


@dataclass(slots=True)
class SearchHits:
    """Matching notices as index keys with BM25 scores, best first; `keymap` (key, id) resolves them."""

    keys: list[int]
    scores: list[float]
    parsed: ParsedQuery
    keymap: pa.Table

    @property
    def ids(self) -> list[str]:
        return self.table().column("id").to_pylist() if self.keys else []

    def table(self) -> pa.Table:
        """(id, hit_score) as an Arrow table, resolved without a Python object per hit."""
        import numpy as np

        all_keys = self.keymap.column("key").to_numpy()  # sorted: the id map is written in key order
        keys = np.asarray(self.keys, dtype=np.uint64)
        positions = np.minimum(np.searchsorted(all_keys, keys), max(len(all_keys) - 1, 0))
        # a key the id map lacks (a sync interrupted between its two writes) is dropped, not misread
        known = all_keys[positions] == keys if len(all_keys) else np.zeros(len(keys), dtype=bool)
        ids = self.keymap.column("id").take(pa.array(positions[known], pa.int64()))
        scores = np.asarray(self.scores, dtype=np.float64)[known]
        return pa.table({"id": ids, "hit_score": pa.array(scores, pa.float64())})


class SearchIndex:
    """An opened index for a long-running reader (the web server); reload() picks up syncs."""

    def __init__(self, index_dir: Path) -> None:
        self.index = open_index(index_dir)
        self.schema = self.index.schema
        self.index_dir = index_dir
        self.keymap = self._keymap()
        marker = index_dir / PURCHASERS_FILE
        # buyer_type terms match the analyses only when indexed with today's purchaser lexicon
        self.facets_current = marker.exists() and marker.read_text().strip() == purchasers_fingerprint()

    def _keymap(self) -> pa.Table:
        ids_file = self.index_dir / IDS_FILE
        if not ids_file.exists():
            return pa.table({"id": pa.array([], pa.string()), "key": pa.array([], pa.uint64())})
        return pq.read_table(ids_file, columns=["id", "key"])

    def reload(self) -> None:
        self.index.reload()
        self.keymap = self._keymap()

    @property
    def num_docs(self) -> int:
        return self.index.searcher().num_docs

    def count(self, text: str) -> int:
        """How many notices match (no hits fetched); raises SearchError like search()."""
        parsed = parse_user_query(text)
        if not parsed.parts:
            raise SearchError("the query has no words to search for")
        try:
            return self.index.searcher().search(build_query(self.schema, parsed), 1, count=True).count or 0
        except ValueError as exc:
            raise SearchError(f"the query could not be run: {exc}") from exc

    def search(self, text: str) -> SearchHits:
        """Every notice matching the query, best first, with BM25 scores."""
        parsed = parse_user_query(text)
        if not parsed.parts:
            raise SearchError("the query has no words to search for")
        query = build_query(self.schema, parsed)
        searcher = self.index.searcher()
        try:
            total = searcher.search(query, 1, count=True).count or 0
            hits = searcher.search(query, max(total, 1)).hits if total else []
        except ValueError as exc:
            raise SearchError(f"the query could not be run: {exc}") from exc
        keys = searcher.fast_field_values("key", [address for _, address in hits]) if hits else []
        return SearchHits(keys=keys, scores=[score for score, _ in hits], parsed=parsed, keymap=self.keymap)


def search_ids(db_path: Path, text: str) -> SearchHits:
    """One-off search (the CLI); the web server keeps a SearchIndex open instead."""
    return SearchIndex(index_dir_for(db_path)).search(text)


# ---------------------------------------------------------------- filtering and counting in the index

AGG_SIZE = 1_000_000  # every value of a facet: counts are exact, never a top-n estimate


class InexactCounts(ProcurewatchError):
    """tantivy reported a facet count that may be approximate; the caller counts another way."""


def filter_clauses(
    schema: tantivy.Schema,
    *,
    values: dict[str, list[str]],
    years: list[int],
    day_from: int | None,
    day_to: int | None,
    relevant: bool,
) -> dict[str, tantivy.Query]:
    """Notice filters as index queries, keyed by the facet each belongs to (`values` by field:
    a notice matches when it has any of the field's values; NULL matches nothing)."""
    clauses: dict[str, tantivy.Query] = {}

    def any_of(field_name: str, items: list[Any]) -> tantivy.Query:
        if not items:
            return tantivy.Query.empty_query()
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field_name, v)) for v in items]
        )

    if relevant:
        clauses["relevant"] = tantivy.Query.term_query(schema, "relevant", 1)
    if day_from is not None or day_to is not None:
        clauses["date"] = tantivy.Query.range_query(
            schema, "day", tantivy.FieldType.Integer, day_from, day_to
        )
    if years:
        clauses["year"] = any_of("year", years)
    for name, items in values.items():
        if name not in FACET_FIELDS:
            raise ValueError(f"{name!r} is not an indexed filter field")
        clauses[name] = any_of(name, items)
    return clauses


def _filtered(
    query: tantivy.Query, clauses: dict[str, tantivy.Query], skip: str | None = None
) -> tantivy.Query:
    # filters add nothing to the score: hits rank exactly as the bare query ranks them
    parts = [(tantivy.Occur.Must, query)] + [
        (tantivy.Occur.Must, tantivy.Query.const_score_query(c, 0.0))
        for name, c in clauses.items()
        if name != skip
    ]
    return tantivy.Query.boolean_query(parts) if len(parts) > 1 else query


class IndexedSearch:
    """One query with filters, answered inside tantivy: count, exact facet counts, top hits."""

    def __init__(self, index: SearchIndex, parsed: ParsedQuery, clauses: dict[str, tantivy.Query]) -> None:
        self.searcher = index.index.searcher()
        self.query = build_query(index.schema, parsed)
        self.clauses = clauses
        self.parsed = parsed

    def count(self) -> int:
        return self.searcher.search(_filtered(self.query, self.clauses), 1, count=True).count or 0

    def facet_counts(self, facets: list[str]) -> dict[str, list[tuple[str, int]]]:
        """Every value's count per facet, each facet under every filter except its own."""
        groups: dict[str | None, list[str]] = {}
        for name in facets:
            groups.setdefault(name if name in self.clauses else None, []).append(name)
        out: dict[str, list[tuple[str, int]]] = {}
        for skip, names in groups.items():
            spec = {name: {"terms": {"field": name, "size": AGG_SIZE}} for name in names}
            result = self.searcher.aggregate(_filtered(self.query, self.clauses, skip), spec)
            for name in names:
                agg = result.get(name) or {}
                if agg.get("sum_other_doc_count", 0) or agg.get("doc_count_error_upper_bound", 0):
                    raise InexactCounts(name)
                out[name] = [(str(b["key"]), int(b["doc_count"])) for b in agg.get("buckets", [])]
        return out

    def top(self, k: int, limit: int) -> tuple[list[int], list[float]] | None:
        """Index keys and scores of the best `k` hits and of every hit tied with the k-th,
        so the caller can break ties its own way; None when that needs more than `limit` hits."""
        query = _filtered(self.query, self.clauses)
        fetch = k + 64
        while True:
            hits = self.searcher.search(query, fetch, count=False).hits
            if len(hits) < fetch or len(hits) <= k or hits[-1][0] < hits[k - 1][0]:
                break
            if fetch >= limit:
                return None
            fetch = min(fetch * 4, limit)
        keys = self.searcher.fast_field_values("key", [a for _, a in hits]) if hits else []
        return keys, [score for score, _ in hits]
