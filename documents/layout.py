"""The layout of a printed table (报表版式): what the XLSX and the PDF renderers both draw.

Columns are leaves of a header tree: each column names its header path (e.g. ("企业职工养老保险", "征缴收入")),
and consecutive columns sharing a prefix are merged under one group cell. The first column is the row label
(e.g. 地区) and spans every header row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Column:
    key: str
    path: tuple[str, ...]            # header path, top group first, leaf label last
    decimals: int = 0                # -1: as the value is (integers without decimals, others with 2)
    unit: str = ""
    percent: bool = False            # a ratio shown as a percentage


@dataclass(frozen=True)
class HeaderCell:
    label: str
    row: int                         # 0-based header row
    col: int                         # 0-based column (0 = the row label column)
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    title: str
    label_header: str                # header of the row-label column, e.g. 地区 / 月份
    columns: list[Column]
    rows: list[tuple[str, dict]]     # (row label, {column key: value}); None = no figure
    subtitle: list[str] = field(default_factory=list)   # lines under the title (编制范围, 报告期)
    unit_line: str = ""              # 计量单位: 人、元
    notes: list[str] = field(default_factory=list)      # 注: 口径 ...
    footer: list[tuple[str, str]] = field(default_factory=list)  # (制表单位, …), (制表日期, …), (审核人, …)
    total_rows: set[int] = field(default_factory=set)   # indexes of rows printed bold (合计)
    watermark: str = ""              # e.g. 审核版 (not yet official)

    def header_depth(self) -> int:
        return max((len(c.path) for c in self.columns), default=1)

    def header_cells(self) -> list[HeaderCell]:
        """The merged header cells, row by row: groups merged across consecutive columns with the same path
        prefix, a leaf spanning down to the last header row."""
        depth = self.header_depth()
        cells = [HeaderCell(self.label_header, 0, 0, rowspan=depth)]
        for level in range(depth):
            i = 0
            while i < len(self.columns):
                col = self.columns[i]
                if len(col.path) <= level:
                    i += 1
                    continue
                is_leaf = level == len(col.path) - 1
                j = i + 1
                if not is_leaf:
                    while (j < len(self.columns) and len(self.columns[j].path) > level + 1
                           and self.columns[j].path[:level + 1] == col.path[:level + 1]):
                        j += 1
                cells.append(HeaderCell(col.path[level], level, i + 1,
                                        rowspan=depth - level if is_leaf else 1, colspan=j - i))
                i = j
        return cells


def format_value(value, column: Column) -> str:
    """The printed text of a figure: thousands separators, the column's decimals, ratios as percentages."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    v = Decimal(str(value))
    if column.percent:
        return f"{v * 100:,.{max(column.decimals, 1)}f}%"
    return f"{v:,.{decimals_of(v, column)}f}"


def decimals_of(v: Decimal, column: Column) -> int:
    if column.decimals >= 0:
        return column.decimals
    return 0 if v == v.to_integral_value() else 2
