"""Connected components in DuckDB (link/connected.py): every node is named by the smallest node of its
component, however the nodes are numbered along the edges."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import pairwise

import duckdb
import pyarrow as pa
import pytest

from procurewatch.link.connected import LABELS, label_components


def _labels(edges: list[tuple[int, int]], nodes: int) -> tuple[list[int], int]:
    con = duckdb.connect()
    a, b = zip(*edges, strict=True) if edges else ((), ())
    con.register("_edges", pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())}))
    rounds = label_components(con, "SELECT a, b FROM _edges")
    named = dict(con.execute(f"SELECT node, label FROM {LABELS}").fetchall())
    assert all(label < node for node, label in named.items())  # a node named by itself is left out
    return [named.get(node, node) for node in range(nodes)], rounds


def _smallest_reachable(edges: list[tuple[int, int]], nodes: int) -> list[int]:
    """The reference: a walk from each node, in order, naming what it reaches."""
    neighbours = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    label = [-1] * nodes
    for start in range(nodes):
        if label[start] < 0:
            label[start], todo = start, [start]
            while todo:
                for other in neighbours[todo.pop()]:
                    if label[other] < 0:
                        label[other] = start
                        todo.append(other)
    return label


def test_each_node_is_named_by_the_smallest_of_its_component() -> None:
    labels, _ = _labels([(0, 5), (3, 5), (4, 7), (6, 7), (1, 8), (2, 2)], 9)
    assert labels == [0, 1, 2, 0, 4, 0, 4, 4, 1]


def test_no_edges_leave_every_node_its_own() -> None:
    assert _labels([], 3) == ([0, 1, 2], 0)


def test_a_chain_zigzagging_through_the_numbering_takes_several_rounds() -> None:
    # 0 - 63 - 1 - 62 - 2 - ... - 31 - 32: the first round hooks 63 under 0, 62 under 1 and so on, which
    # leaves the chain 0 - 1 - ... - 31 for the second
    order = [node for pair in zip(range(32), range(63, 31, -1), strict=True) for node in pair]
    labels, rounds = _labels(list(pairwise(order)), 64)
    assert labels == [0] * 64
    assert rounds == 2


def test_a_chain_numbered_in_order_is_one_round_of_hooks_flattened() -> None:
    labels, rounds = _labels([(i, i + 1) for i in range(999)], 1000)
    assert labels == [0] * 1000 and rounds == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_and_shuffled_chains_are_labelled_as_a_walk_labels_them(seed: int) -> None:
    rng = random.Random(seed)
    nodes = rng.randrange(50, 800)
    edges = [(rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randrange(nodes // 2, nodes))]
    chain = rng.sample(range(nodes), nodes // 3)
    edges += list(pairwise(chain))
    labels, rounds = _labels(edges, nodes)
    assert labels == _smallest_reachable(edges, nodes)
    assert rounds >= 1
