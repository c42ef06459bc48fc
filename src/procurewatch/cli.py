"""The command line. Each command parses its options, calls one library function and maps what
happened to an exit code:

  0    done; every input landed
  1    an ingest step failed or warned (what was committed is kept: run the same command again)
  2    usage error: a bad option, filter name or value, a missing store (the message says which)
  3    done, but some inputs were skipped (each is reported with its path and the reason)
  130  interrupted (Ctrl-C); every batch committed so far is kept
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from procurewatch.errors import StepError, UsageError
from procurewatch.model import SkippedInput, to_record

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find and measure government purchases of surveillance technology in procurement notices.",
)
err = Console(stderr=True)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_INTERRUPTED = 130
EXIT_CODES = (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SKIPPED, EXIT_INTERRUPTED)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB store file.")]
FieldOption = Annotated[
    list[str] | None,
    typer.Option("--field", help="Map a record field: NAME=PATH, e.g. buyer=data.org.name (repeatable)."),
]
NoOcrOption = Annotated[
    bool,
    typer.Option(
        "--no-ocr",
        help="Do not OCR scans: PDF pages without a text layer stay empty and image files are skipped.",
    ),
]


def parse_field_map(pairs: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, path = pair.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise typer.BadParameter(f"--field takes NAME=PATH, got {pair!r}")
        mapping[name.strip()] = path.strip()
    return mapping


def check_inputs(paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]error:[/red] no such file or folder: {', '.join(missing)}")
        raise typer.Exit(EXIT_USAGE)


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of notices.")],
    format: Annotated[str, typer.Option("--format", help="jsonl (one record per line)")] = "jsonl",
    field: FieldOption = None,
    mask: Annotated[
        bool,
        typer.Option(
            "--mask", help="Mask personal data (names, phones, ID numbers, e-mails) as the explorer does."
        ),
    ] = False,
    no_ocr: NoOcrOption = False,
) -> None:
    """Print one JSON record per notice, without touching any store (raw text unless --mask)."""
    if format != "jsonl":
        raise typer.BadParameter("only --format jsonl is supported", param_hint="--format")
    check_inputs(paths)
    from procurewatch.pipeline import extract as run_extract
    from procurewatch.privacy import mask_record
    from procurewatch.sources.ocr import ocr_turned_off

    skipped = 0
    out = sys.stdout
    with ocr_turned_off(no_ocr):
        for item in run_extract(paths, field_map=parse_field_map(field)):
            if isinstance(item, SkippedInput):
                skipped += 1
                where = f"{item.path}#{item.locator}" if item.locator else item.path
                err.print(f"[yellow]skipped[/yellow] {where}: {item.reason}", highlight=False, markup=False)
                continue
            record = to_record(item)
            out.write(json.dumps(mask_record(record) if mask else record, ensure_ascii=False))
            out.write("\n")
    raise typer.Exit(EXIT_SKIPPED if skipped else EXIT_OK)


@app.command()
def inspect(
    path: Annotated[
        Path, typer.Argument(help="One input file (a page, a PDF, a JSON/JSONL/CSV export ...).")
    ],
    field: FieldOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Notices of the file to show.", min=1)] = 5,
    format: Annotated[str, typer.Option("--format", help="text | json")] = "text",
    mask: Annotated[
        bool,
        typer.Option(
            "--mask", help="Mask personal data (names, phones, ID numbers, e-mails) as the explorer does."
        ),
    ] = False,
) -> None:
    """Show what a file gives: each field with the key or text it came from, and the keys left unused
    (raw text unless --mask)."""
    if format not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    check_inputs([path])
    from dataclasses import asdict

    from procurewatch.inspection import inspect_file, masked, render_inspection

    results = inspect_file(path, field_map=parse_field_map(field), limit=limit)
    if mask:
        results = [masked(r) for r in results]
    if format == "json":
        for result in results:
            sys.stdout.write(json.dumps(asdict(result), ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(render_inspection(results) + "\n")
    raise typer.Exit(EXIT_SKIPPED if any(r.skipped for r in results) else EXIT_OK)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of notices.")],
    db: DbOption = Path("procurewatch.duckdb"),
    field: FieldOption = None,
    batch_size: Annotated[int, typer.Option(help="Notices per transaction.", min=1)] = 2000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that understand notices "
            "(default: one per CPU, up to 8; 1 = no pool, least memory).",
            min=1,
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Understand the notices on a Dask cluster: tcp://HOST:8786 (a running scheduler) "
            "or local:N (N worker processes on this machine).",
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="With --cluster: the folder or fsspec URL, reachable by every worker, for the "
            "workers' part files (default: STORE.parts beside the store).",
        ),
    ] = None,
    no_ocr: NoOcrOption = False,
) -> None:
    """Read, understand and detect every notice under PATHS and keep them in the store."""
    check_inputs(paths)
    field_map = parse_field_map(field)
    if dataset is not None and cluster is None:
        raise typer.BadParameter("--dataset needs --cluster", param_hint="--dataset")
    from procurewatch.sources.ocr import ocr_turned_off

    with ocr_turned_off(no_ocr):
        code = _run_ingest_command(paths, db, field_map, batch_size, workers, cluster, dataset)
    raise typer.Exit(code)


def _run_ingest_command(
    paths: list[Path],
    db: Path,
    field_map: dict[str, str],
    batch_size: int,
    workers: int | None,
    cluster: str | None = None,
    dataset: str | None = None,
) -> int:
    """Run ingest and turn its outcome into an exit code; user errors become a message, not a traceback."""
    from procurewatch.ingest.runner import run_ingest

    try:
        summary = run_ingest(
            paths,
            db,
            field_map=field_map,
            batch_size=batch_size,
            console=err,
            workers=workers,
            cluster=cluster,
            dataset=dataset,
        )
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("interrupted: every batch committed so far is kept; run the same command again to finish")
        return EXIT_INTERRUPTED
    except StepError as exc:
        _error(f"{exc}; every batch committed so far is kept: run the same command again to finish")
        return EXIT_FAILED
    if summary.warnings:
        return EXIT_FAILED
    return EXIT_SKIPPED if summary.skipped else EXIT_OK


def _error(message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def _usage_errors_exit(run: Callable[[], int | None]) -> None:
    """Run a command; a UsageError (bad filter, missing store ...) is a message and exit 2."""
    try:
        code = run()
    except UsageError as exc:
        _error(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    raise typer.Exit(code or EXIT_OK)


def _need_store(db: Path) -> None:
    if not db.is_file():
        raise UsageError(f"no store at {db}: run 'procurewatch ingest' first")


ListOption = Annotated[list[str] | None, typer.Option(help="Repeatable.")]


@app.command()
def report(
    db: DbOption = Path("procurewatch.duckdb"),
    format: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    date_from: Annotated[
        str | None, typer.Option("--from", help="First date: YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (inclusive).")] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Taxonomy id (repeatable).")
    ] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="ISO2 code (repeatable).")] = None,
    province: Annotated[
        list[str] | None, typer.Option("--province", help="e.g. 湖北省 (repeatable).")
    ] = None,
    buyer_type: Annotated[
        list[str] | None,
        typer.Option("--buyer-type", help="Purchaser type, e.g. public_security (repeatable)."),
    ] = None,
    vendor: Annotated[list[str] | None, typer.Option("--vendor", help="Vendor id (repeatable).")] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="Notice language (repeatable).")
    ] = None,
    notice_type: Annotated[
        list[str] | None,
        typer.Option("--notice-type", help="tender|amendment|award|contract|cancellation|other."),
    ] = None,
    title_only: Annotated[
        bool, typer.Option("--title-only", help="Only category evidence in a title.")
    ] = False,
    min_score: Annotated[float | None, typer.Option("--min-score", help="Minimum detection score.")] = None,
    all_notices: Annotated[
        bool, typer.Option("--all", help="Count every procurement, not only surveillance.")
    ] = False,
    purchase: Annotated[
        str,
        typer.Option(
            "--purchase",
            help="primary (default): the purchase is surveillance; component: surveillance is a named part "
            "of a larger purchase (counted in their own section by default); any: both.",
        ),
    ] = "primary",
    reviewed: Annotated[
        bool, typer.Option("--reviewed", help="Only procurements a reviewer confirmed (see 'review').")
    ] = False,
    growth: Annotated[
        str | None, typer.Option("--growth", help="Growth between two years: 2010:2019.")
    ] = None,
    convert_to: Annotated[
        str | None, typer.Option("--convert-to", help="Convert spend to this currency (dated annual rates).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows in the top-N tables.")] = 20,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")
    ] = None,
    min_base: Annotated[
        int | None,
        typer.Option(
            "--min-base", help="Procurements a growth base year needs (default: data/figures.json)."
        ),
    ] = None,
    explorer_url: Annotated[
        str | None,
        typer.Option(
            "--explorer-url", help="Link each procurement of the HTML report to URL/procurement/<id>."
        ),
    ] = None,
) -> None:
    """Procurements and spend by year × category, growth, by province and country, top buyers and vendors."""
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter("expected table, csv or json", param_hint="--format")

    def run() -> None:
        from procurewatch.query.filters import Filters
        from procurewatch.report.tables import print_report

        _need_store(db)
        span = None
        if growth:
            first, sep, last = growth.partition(":")
            if not (sep and first.strip().isdigit() and last.strip().isdigit()):
                raise UsageError(f"--growth: expected YEAR:YEAR, got {growth!r}")
            span = (int(first), int(last))
        filters = Filters.read(
            date_from=date_from,
            date_to=date_to,
            categories=category or [],
            countries=country or [],
            provinces=province or [],
            buyer_types=buyer_type or [],
            vendors=vendor or [],
            languages=language or [],
            notice_types=notice_type or [],
            title_only=title_only,
            min_score=min_score,
            relevant_only=not all_notices,
            convert_to=convert_to,
            reviewed=reviewed,
            role=purchase,
        )
        if explorer_url and not explorer_url.lower().startswith(("http://", "https://")):
            raise UsageError(f"--explorer-url: expected an http:// or https:// address, got {explorer_url!r}")
        print_report(
            db,
            format=format,
            filters=filters,
            growth=span,
            limit=limit,
            html=html,
            min_base=min_base,
            explorer_url=explorer_url,
        )

    _usage_errors_exit(run)


@app.command()
def demo(
    db: DbOption = Path("procurewatch.duckdb"),
) -> None:
    """Ingest the bundled example corpus into DB and print the report."""
    from procurewatch.report.tables import print_report

    code = _run_ingest_command([bundled_examples()], db, {}, 2000, None)
    if code not in (EXIT_USAGE, 130):
        print_report(db, format="table")
    raise typer.Exit(code)


@app.command()
def index(
    db: DbOption = Path("procurewatch.duckdb"),
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Throw the index away and rebuild it.")] = False,
) -> None:
    """Bring the full-text search index (DB.index/) in step with the store."""

    def run() -> int | None:
        from procurewatch.search.index import index_dir_for, rebuild_index, sync_index

        _need_store(db)
        start = time.perf_counter()
        try:
            added = rebuild_index(db) if rebuild else sync_index(db)
        except StepError as exc:  # a process cutting texts died: what earlier sessions committed is kept
            _error(f"{exc}; run the same command again to index what is missing")
            return EXIT_FAILED
        err.print(
            f"{'rebuilt' if rebuild else 'synced'} {index_dir_for(db)}: {added} notices indexed "
            f"in {time.perf_counter() - start:.1f} s",
            highlight=False,
        )
        return None

    _usage_errors_exit(run)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Words, "phrases", -exclusions: 人脸 卡口 "人脸识别" Hikvision')
    ],
    db: DbOption = Path("procurewatch.duckdb"),
    limit: Annotated[int, typer.Option(help="Results to print.", min=1)] = 20,
    format: Annotated[str, typer.Option("--format", help="table | jsonl")] = "table",
) -> None:
    """Full-text search over the store's notices, best matches first."""
    if format not in ("table", "jsonl"):
        raise typer.BadParameter("expected table or jsonl", param_hint="--format")

    def run() -> None:
        from procurewatch.report.search_results import print_hits

        _need_store(db)
        print_hits(db, query, limit=limit, format=format)

    _usage_errors_exit(run)


@app.command()
def export(
    db: DbOption = Path("procurewatch.duckdb"),
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")] = Path(
        "procurewatch-export.csv"
    ),
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help="csv | json | parquet | ftm | ocds | sqlite (default: the --out suffix)"
        ),
    ] = None,
    query: Annotated[str, typer.Option("--query", "-q", help="Full-text query.")] = "",
    filter: Annotated[
        list[str] | None,
        typer.Option(
            "--filter", help="NAME=VALUE, as on the search page: category=voiceprint, year=2019 (repeatable)."
        ),
    ] = None,
    relevant: Annotated[
        bool, typer.Option("--relevant", help="Only notices detected as surveillance.")
    ] = False,
    reveal_personal_data: Annotated[bool, typer.Option("--reveal-personal-data")] = False,
) -> None:
    """Write a filtered set of notices to CSV, JSON or Parquet, or hand them on as FollowTheMoney
    entities (ftm), an OCDS release package (ocds) or a SQLite file for Datasette (sqlite)."""

    def run() -> None:
        from procurewatch.query.filters import NoticeFilters, split_pair
        from procurewatch.report.export import export_notices

        _need_store(db)
        pairs = [("q", query)] if query else []
        pairs += [split_pair(item) for item in filter or []]
        if relevant:
            pairs.append(("relevant", "1"))
        counts = export_notices(db, out, format, NoticeFilters.from_pairs(pairs), reveal_personal_data)
        written = ", ".join(f"{n} {name}" for name, n in counts.items())
        err.print(f"wrote {written} to {out}", highlight=False, markup=False)

    _usage_errors_exit(run)


@app.command()
def serve(
    db: DbOption = Path("procurewatch.duckdb"),
    host: Annotated[
        str, typer.Option(help="Address to listen on; non-loopback needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    token: Annotated[
        str | None, typer.Option(help="Access token (or env PROCUREWATCH_TOKEN); required off loopback.")
    ] = None,
    reveal_personal_data: Annotated[
        bool,
        typer.Option("--reveal-personal-data", help="Show contact names and numbers unmasked (operators)."),
    ] = False,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxy",
            help="Addresses (comma-separated, or *) of a TLS proxy whose X-Forwarded-Proto/-For are believed "
            "(default 127.0.0.1).",
        ),
    ] = None,
) -> None:
    """Serve the explorer (search, procurements, dashboard, API) read-only over HTTP."""

    def run() -> None:
        from procurewatch.web.serving import serve as run_server

        _need_store(db)
        run_server(db, host, port, token, reveal_personal_data, console=err, trusted_proxy=trusted_proxy)

    _usage_errors_exit(run)


@app.command("review")
def review(
    procurement_id: Annotated[
        str, typer.Argument(help="Procurement id (or a notice's), as in the explorer's /procurement/ID.")
    ],
    confirm: Annotated[bool, typer.Option("--confirm", help="It is a surveillance purchase.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="It is not a surveillance purchase.")] = False,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Taxonomy id the purchase is in (repeatable).")
    ] = None,
    role: Annotated[str | None, typer.Option("--role", help="primary | component")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (exported as the label's basis).")] = None,
    reviewer: Annotated[
        str | None,
        typer.Option("--reviewer", help="Who decides (default: env PROCUREWATCH_REVIEWER or the user)."),
    ] = None,
    db: DbOption = Path("procurewatch.duckdb"),
) -> None:
    """Record a reviewer's decision on a procurement: the last word over the detector in every figure."""

    def run() -> None:
        from procurewatch.review.decisions import record

        if confirm == reject:
            raise UsageError("give one of --confirm or --reject")
        _need_store(db)
        decision = "confirmed" if confirm else "rejected"
        made = record(
            db, procurement_id, decision, categories=category or [], role=role, note=note, reviewer=reviewer
        )
        err.print(
            f"review {made.id}: {made.decided_on} {decision} by {made.reviewer}"
            f" at {made.decided_at:%Y-%m-%d %H:%M} UTC",
            highlight=False,
            markup=False,
        )

    _usage_errors_exit(run)


@app.command("review-list")
def review_list(
    db: DbOption = Path("procurewatch.duckdb"),
    format: Annotated[str, typer.Option("--format", help="table | jsonl")] = "table",
) -> None:
    """Every decision, newest first, with who, when and the procurement it applies to now."""

    def run() -> None:
        from procurewatch.review.show import print_decisions

        _need_store(db)
        shown = print_decisions(db, format)
        err.print(f"{shown} decisions", highlight=False)

    _usage_errors_exit(run)


@app.command("review-export")
def review_export(
    db: DbOption = Path("procurewatch.duckdb"),
    out: Annotated[Path, typer.Option("--out", "-o", help="labels.jsonl to write.")] = Path("labels.jsonl"),
) -> None:
    """Write the decisions as labels in eval-dev's format, one line per notice of a reviewed procurement."""

    def run() -> None:
        from procurewatch.review.show import export_file

        _need_store(db)
        err.print(f"wrote {export_file(db, out)} labels to {out}", highlight=False, markup=False)

    _usage_errors_exit(run)


@app.command("review-import")
def review_import(
    labels: Annotated[Path, typer.Argument(help="A file 'review-export' wrote (from another store).")],
    db: DbOption = Path("procurewatch.duckdb"),
) -> None:
    """Record the decisions of a review-export file in this store (e.g. after ingesting into a fresh one)."""

    def run() -> None:
        from procurewatch.review.show import import_file

        _need_store(db)
        recorded, skipped = import_file(db, labels)
        err.print(f"recorded {recorded} decisions; skipped {skipped} (already here, or notices not here)")

    _usage_errors_exit(run)


ReviewerOption = Annotated[
    str | None,
    typer.Option("--reviewer", help="Who decides (default: env PROCUREWATCH_REVIEWER or the user)."),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why.")]


@app.command("org-merge")
def org_merge(
    first: Annotated[str, typer.Argument(help="An organisation's name as written, or its id (o-…, v-…).")],
    second: Annotated[str, typer.Argument(help="The other organisation's name or id.")],
    note: NoteOption = None,
    reviewer: ReviewerOption = None,
    db: DbOption = Path("procurewatch.duckdb"),
) -> None:
    """Correct the organisations: the two names (or ids) are one organisation."""
    _correct(db, "merge", first, second, note, reviewer)


@app.command("org-split")
def org_split(
    name: Annotated[str, typer.Argument(help="A name as written: it leaves the organisation it was put in.")],
    note: NoteOption = None,
    reviewer: ReviewerOption = None,
    db: DbOption = Path("procurewatch.duckdb"),
) -> None:
    """Correct the organisations: this spelling (any case or width) is an organisation of its own."""
    _correct(db, "split", name, None, note, reviewer)


def _correct(
    db: Path, action: str, first: str, second: str | None, note: str | None, who: str | None
) -> None:
    def run() -> None:
        from procurewatch.entities.commands import correct

        _need_store(db)
        made, landed = correct(db, action, first, second, note, who)
        err.print(f"correction {made}: {action}", highlight=False, markup=False)
        for given, oid, name in landed:
            err.print(f"  {given} → {oid} {name}", highlight=False, markup=False)

    _usage_errors_exit(run)


@app.command("org-corrections")
def org_corrections(db: DbOption = Path("procurewatch.duckdb")) -> None:
    """Every merge and split a person recorded, oldest first."""

    def run() -> None:
        from procurewatch.entities.commands import list_corrections

        _need_store(db)
        for c in list_corrections(db):
            names = f"{c.name_a} + {c.name_b}" if c.name_b else c.name_a
            line = f"{c.id}\t{c.action}\t{names}\t{c.reviewer}\t{c.decided_at[:16]}\t{c.note or ''}"
            sys.stdout.write(line + "\n")

    _usage_errors_exit(run)


def bundled_examples() -> Path:
    return Path(__file__).resolve().parent / "examples"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
