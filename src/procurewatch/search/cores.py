"""How building the search index uses the machine's cores: tantivy's indexing threads and the processes
cutting texts (search/cutting.py), by the rungs of data/indexing.json, the policy."""

from __future__ import annotations

from dataclasses import dataclass

from procurewatch.knowledge import load_json
from procurewatch.processes import usable_cores

# tantivy gives each indexing thread an equal share of the writer's heap and refuses less than 15 MB;
# shares smaller than this make small segments and more merging (docs/measurements.md)
MIN_HEAP_PER_THREAD = 32_000_000


@dataclass(frozen=True, slots=True)
class IndexingPlan:
    tantivy_threads: int = 1
    cutting_processes: int = 0  # none: the main thread cuts the texts
    pool_from_notices: int = 0  # fewer notices to index are cut in the main thread

    def processes_for(self, notices: int) -> int:
        """The processes cutting the texts when `notices` notices are to be indexed."""
        return self.cutting_processes if notices >= self.pool_from_notices else 0


def indexing_plan(heap: int, cores: int | None = None) -> IndexingPlan:
    """The plan for `cores` cores (this process's usable cores when None) and a writer heap of `heap`
    bytes."""
    policy = load_json("indexing.json")
    cores = usable_cores() if cores is None else cores
    rung = max(
        (r for r in policy["rungs"] if r["from_cores"] <= cores),
        key=lambda r: r["from_cores"],
        default=policy["rungs"][0],
    )
    threads = max(1, min(int(rung["tantivy_threads"]), heap // MIN_HEAP_PER_THREAD))
    return IndexingPlan(threads, int(rung["cutting_processes"]), int(policy["pool_from_notices"]))
