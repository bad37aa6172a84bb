"""A Table as a printable HTML page (A4 landscape, CJK fonts installed on the machine, no web assets)."""
from __future__ import annotations

from html import escape

from documents.layout import Table, format_value

CSS = """
@page { size: A4 landscape; margin: 12mm 10mm; }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", sans-serif; color: #000;
       margin: 0; font-size: 10.5pt; }
h1 { text-align: center; font-size: 17pt; margin: 0 0 4px; letter-spacing: 2px; }
.sub { text-align: center; margin: 2px 0; }
.unit { text-align: right; margin: 2px 0 4px; }
table.rpt { border-collapse: collapse; width: 100%; }
table.rpt th, table.rpt td { border: 1px solid #000; padding: 3px 5px; }
table.rpt th { background: #f2f2f2; text-align: center; font-weight: bold; }
table.rpt td.num { text-align: right; white-space: nowrap; }
table.rpt td.label { white-space: nowrap; }
table.rpt tr.total td { font-weight: bold; }
thead { display: table-header-group; }
.notes { margin-top: 8px; font-size: 9pt; }
.notes p { margin: 2px 0; }
.footer { margin-top: 10px; display: flex; justify-content: space-between; }
.mark { color: #b00; border: 1px solid #b00; padding: 0 4px; font-size: 11pt; vertical-align: middle; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
"""


def table_html(t: Table) -> str:
    depth = t.header_depth()
    rows: list[list[str]] = [[] for _ in range(depth)]
    for c in t.header_cells():
        span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
        rows[c.row].append(f"<th{span}>{escape(c.label)}</th>")
    head = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    body = []
    for i, (label, values) in enumerate(t.rows):
        cls = ' class="total"' if i in t.total_rows else ""
        cells = "".join(f'<td class="{"text" if isinstance(values.get(c.key), str) else "num"}">'
                        f'{escape(format_value(values.get(c.key), c))}</td>' for c in t.columns)
        body.append(f'<tr{cls}><td class="label">{escape(label)}</td>{cells}</tr>')
    mark = f' <span class="mark">{escape(t.watermark)}</span>' if t.watermark else ""
    parts = [f"<h1>{escape(t.title)}{mark}</h1>"]
    parts += [f'<p class="sub">{escape(s)}</p>' for s in t.subtitle]
    if t.unit_line:
        parts.append(f'<p class="unit">{escape(t.unit_line)}</p>')
    parts.append(f'<table class="rpt"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>')
    if t.notes:
        parts.append('<div class="notes">' + "".join(f"<p>{escape(n)}</p>" for n in t.notes) + "</div>")
    if t.footer:
        parts.append('<div class="footer">' + "".join(f"<span>{escape(k)}: {escape(v)}</span>" for k, v in t.footer)
                     + "</div>")
    return "".join(parts)


def page(tables: list[Table], title: str, extra_html: str = "") -> str:
    """A whole document: each table on its own printed page."""
    body = "".join(f'<section class="page">{table_html(t)}</section>' for t in tables)
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{CSS}</style></head><body>{extra_html}{body}</body></html>")
