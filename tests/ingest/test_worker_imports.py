"""The ingest workers load only what making notices needs: each module left out is memory saved in
every worker process (Arrow ~40 MB, ocdsmerge with requests ~9 MB, pdfium ~5 MB)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

EXAMPLES = Path(str(resources.files("procurewatch").joinpath("examples")))

# Runs in a fresh interpreter, as a spawned worker does: build a chunk from the example records
# (JSON Lines, CSV, JSON) and an OCDS release package, then list the heavy modules loaded.
WORKER = """
import json, sys
from pathlib import Path
from procurewatch.sources import InputFile
from procurewatch.ingest.chunks import build_chunk

files = []
for name in sys.argv[1:]:
    path = Path(name)
    stat = path.stat()
    files.append(InputFile(str(path), stat.st_size, stat.st_mtime, str(path.resolve())))
result = build_chunk([], files)
heavy = ("pyarrow", "duckdb", "ocdsmerge", "requests", "pypdfium2", "tantivy", "rich")
print(json.dumps({"notices": len(result.ids), "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_a_worker_making_notices_loads_no_arrow_duckdb_ocdsmerge_or_pdfium():
    inputs = [*sorted((EXAMPLES / "records").iterdir()), EXAMPLES / "ocds" / "ro-release-package-cctv.json"]
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *map(str, inputs)], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["notices"] >= 10
    assert report["loaded"] == []


# A chunk's result as a worker sends it back (pickled, here as hex).
MAKER = """
import pickle, sys
from pathlib import Path
from procurewatch.sources import InputFile
from procurewatch.ingest.chunks import build_chunk

path = Path(sys.argv[1])
stat = path.stat()
result = build_chunk([], [InputFile(str(path), stat.st_size, stat.st_mtime, str(path.resolve()))])
print(pickle.dumps(result).hex())
"""

# Runs in a fresh interpreter, as the storing step's process does: load what storing needs, read the
# result back, then list the modules of the understanding that were loaded.
STORING = """
import json, pickle, sys
from procurewatch.ingest.storing import store_phase

result = pickle.loads(bytes.fromhex(sys.stdin.read()))
understanding = ("procurewatch.pipeline", "procurewatch.detect", "procurewatch.link", "pyarrow.compute")
print(json.dumps({"ids": len(result.ids), "loaded": [m for m in understanding if m in sys.modules]}))
"""


def test_the_storing_process_reads_results_back_without_loading_the_understanding():
    records = EXAMPLES / "records" / "scraped-ccgp-2015-2024.jsonl"
    made = subprocess.run(
        [sys.executable, "-c", MAKER, str(records)], capture_output=True, text=True, check=True
    )
    done = subprocess.run(
        [sys.executable, "-c", STORING], input=made.stdout, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    assert report["ids"] >= 1
    assert report["loaded"] == []
