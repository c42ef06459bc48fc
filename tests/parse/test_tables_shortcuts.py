"""The shortcuts of parse/tables.py answer as their definitions do: the flat reading of '|' cells and lines,
which looks only at the runs through a label, as every maximal run of column cells read left to right; a
label told without normalising the cells that cannot be one, as the normalised cell looked up."""

from __future__ import annotations

import random

from procurewatch import knowledge
from procurewatch.parse import tables
from procurewatch.parse.tables import TableField, label_of


def flat_by_definition(
    cells: list[str], source: str, pairs: bool, min_labels: int, column_max: int
) -> list[TableField]:
    """Each run of cells that could name columns, from where the scan stands: a header when it holds enough
    labels (its data rows follow it); the other cells are plain, read as label → next cell."""
    marked = [label_of(c) is not None or tables._header_word(c) for c in cells]
    column = [m or tables._column_name(c, column_max) for m, c in zip(marked, cells, strict=True)]
    out: list[TableField] = []
    plain: list[str] = []
    i = 0
    while i < len(cells):
        j = i
        while j < len(cells) and column[j]:
            j += 1
        header = cells[i:j]
        if len(header) >= 3 and tables._is_flat_header(header, min_labels):
            out.extend(tables._pair_fields(plain, source) if pairs else [])
            plain = []
            n, k = len(header), j
            while k + n <= len(cells) and not any(marked[k : k + n]):
                row = cells[k : k + n]
                k += n
                if tables._first_ranked(header, [row]):
                    for cell_label, value in zip(header, row, strict=True):
                        found = label_of(cell_label)
                        if found and value and len(value) <= tables._VALUE_MAX:
                            out.append(TableField(*found, cell_label, value, tables._lot_key(row), source))
            i = max(k, j)
            continue
        plain.extend(cells[i : max(j, i + 1)])
        i = max(j, i + 1)
    out.extend(tables._pair_fields(plain, source) if pairs else [])
    return out


def test_flat_fields_read_as_every_run_is_read() -> None:
    labels = knowledge.load_json("parse", "labels.json")
    table = labels["table"]
    words = [
        *table["header_words"],
        *table["buyer"],
        *table["supplier"],
        *table["amount"],
        *table["rank_columns"],
    ]
    values = [
        "1",
        "第1名",
        "第二名",
        "某某科技有限公司",
        "123.45万元",
        "5000元",
        "设备",
        "项目类型",
        "招标组织形式",
    ]
    values += [
        "",
        "宜昌市公安局",
        "A包",
        "2026年",
        "这一行是说明文字，比任何列名都长得多，不是表格的单元格。",
    ]
    rng = random.Random(20)
    with_rows = 0
    for _ in range(3000):
        cells = [rng.choice(words if rng.random() < 0.4 else values) for _ in range(rng.randint(0, 30))]
        for pairs, min_labels, column_max in ((True, 1, 10), (False, 2, 6), (True, 2, 10), (False, 1, 10)):
            expected = flat_by_definition(cells, "text", pairs, min_labels, column_max)
            assert tables._flat_fields(cells, "text", pairs, min_labels, column_max) == expected, cells
            with_rows += any(item.lot for item in expected)
    assert with_rows > 300  # headers over data rows were met, not only plain cells


def test_label_of_is_the_normalised_cell_looked_up() -> None:
    index = tables._label_index()
    pieces = [*index, ":", "：", "(", ")", "（", "）", " ", "\u3000", "\xa0", "一、", "(1)", "万元", "x"]
    rng = random.Random(20)
    for _ in range(50_000):
        cell = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        short = 0 < len(cell) <= tables._LABEL_MAX and not tables._HAS_FIGURE.search(cell)
        expected = index.get(tables.normalise_label(cell)) if short else None
        assert label_of.__wrapped__(cell) == expected, cell
