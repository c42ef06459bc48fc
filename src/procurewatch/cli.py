"""The command line. Each command is thin: it parses options and calls the module that does the work.

Exit codes: 0 when every input landed, 3 when some inputs were skipped, 2 for a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from procurewatch.model import SkippedInput, to_record

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find and measure government purchases of surveillance technology in procurement notices.",
)
err = Console(stderr=True)

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_SKIPPED = 3

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB store file.")]
FieldOption = Annotated[
    list[str] | None,
    typer.Option("--field", help="Map a record field: NAME=PATH, e.g. buyer=data.org.name (repeatable)."),
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
) -> None:
    """Print one JSON record per notice, without touching any store."""
    if format != "jsonl":
        raise typer.BadParameter("only --format jsonl is supported", param_hint="--format")
    check_inputs(paths)
    from procurewatch.pipeline import extract as run_extract

    skipped = 0
    out = sys.stdout
    for item in run_extract(paths, field_map=parse_field_map(field)):
        if isinstance(item, SkippedInput):
            skipped += 1
            where = f"{item.path}#{item.locator}" if item.locator else item.path
            err.print(f"[yellow]skipped[/yellow] {where}: {item.reason}", highlight=False, markup=False)
            continue
        out.write(json.dumps(to_record(item), ensure_ascii=False))
        out.write("\n")
    raise typer.Exit(EXIT_SKIPPED if skipped else EXIT_OK)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of notices.")],
    db: DbOption = Path("procurewatch.duckdb"),
    field: FieldOption = None,
    batch_size: Annotated[int, typer.Option(help="Notices per transaction.", min=1)] = 2000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes that understand notices (default: one per CPU, up to 8; 1 = no pool, least memory: under 500 MB at 200,000 notices).",
            min=1,
        ),
    ] = None,
) -> None:
    """Read, understand and detect every notice under PATHS and keep them in the store."""
    check_inputs(paths)
    field_map = parse_field_map(field)
    raise typer.Exit(_run_ingest_command(paths, db, field_map, batch_size, workers))


def _run_ingest_command(
    paths: list[Path], db: Path, field_map: dict[str, str], batch_size: int, workers: int | None
) -> int:
    """Run ingest and turn its outcome into an exit code; user errors become a message, not a traceback."""
    from rich.markup import escape

    from procurewatch.ingest.runner import run_ingest
    from procurewatch.ingest.steps import PhaseError
    from procurewatch.store.errors import IngestUsageError

    try:
        summary = run_ingest(
            paths, db, field_map=field_map, batch_size=batch_size, console=err, workers=workers
        )
    except IngestUsageError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("interrupted: every batch committed so far is kept; run the same command again to finish")
        return 130
    except PhaseError as exc:
        err.print(
            f"[red]error:[/red] {escape(str(exc))}; every batch committed so far is kept: run the same "
            "command again to finish",
            highlight=False,
            soft_wrap=True,
        )
        return 1
    if summary.warnings:
        return 1
    return EXIT_SKIPPED if summary.skipped else EXIT_OK


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
) -> None:
    """Procurements and spend by year × category, growth, by province and country, top buyers and vendors."""
    if not db.exists():
        err.print(f"[red]error:[/red] no store at {db}: run 'procurewatch ingest' first")
        raise typer.Exit(EXIT_USAGE)
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter("expected table, csv or json", param_hint="--format")
    from procurewatch.query.counts import Filters
    from procurewatch.report.tables import print_report

    span = None
    if growth:
        first, sep, last = growth.partition(":")
        if not (sep and first.strip().isdigit() and last.strip().isdigit()):
            raise typer.BadParameter(f"expected YEAR:YEAR, got {growth!r}", param_hint="--growth")
        span = (int(first), int(last))
    filters = Filters(
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
    )
    try:
        print_report(db, format=format, filters=filters, growth=span, limit=limit, html=html)
    except ValueError as exc:  # a bad filter value: say which, no traceback
        err.print(f"[red]error:[/red] {exc}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None


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
    from procurewatch.web.commands import run_index

    raise typer.Exit(run_index(db, rebuild=rebuild, console=err))


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
    from procurewatch.web.commands import run_search

    raise typer.Exit(run_search(db, query, limit=limit, format=format, console=err))


@app.command()
def export(
    db: DbOption = Path("procurewatch.duckdb"),
    out: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("procurewatch-export.csv"),
    format: Annotated[
        str | None, typer.Option("--format", help="csv | json | parquet (default: --out suffix)")
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
    """Write a filtered set of notices to CSV, JSON or Parquet."""
    from procurewatch.web.commands import run_export

    raise typer.Exit(
        run_export(db, out, format, query, filter or [], relevant, reveal_personal_data, console=err)
    )


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
) -> None:
    """Serve the explorer (search, procurements, dashboard, API) read-only over HTTP."""
    from procurewatch.web.commands import run_serve

    raise typer.Exit(run_serve(db, host, port, token, reveal_personal_data, console=err))


def bundled_examples() -> Path:
    return Path(__file__).resolve().parent / "examples"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
