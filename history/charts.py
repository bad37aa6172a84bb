"""Server-rendered SVG charts (no JavaScript library, nothing from a CDN)."""
from __future__ import annotations

from html import escape

PALETTE = ["#c23531", "#2f4554", "#61a0a8", "#d48265", "#91c7ae", "#749f83", "#ca8622", "#bda29a", "#6e7074", "#546570"]


def _nice(v: float) -> str:
    a = abs(v)
    if a >= 1e8:
        return f"{v / 1e8:.1f}亿"
    if a >= 1e4:
        return f"{v / 1e4:.1f}万"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}"


def _bars(name, vs, categories, col, slot, lo, y) -> list[str]:
    """One series as bars (slot: the plot's left edge, the category width, the bar width, the series' index)."""
    left, step, bw, s_i = slot
    out = []
    for i, v in enumerate(vs):
        if v is None:
            continue
        x0 = left + step * i + step * 0.1 + bw * s_i
        y0, y1 = y(max(v, 0 if lo <= 0 else lo)), y(min(v, 0) if lo <= 0 else lo)
        out.append(f'<rect x="{x0:.1f}" y="{min(y0, y1):.1f}" width="{bw:.1f}" height="{abs(y1 - y0):.1f}" '
                   f'fill="{col}"><title>{escape(name)} {escape(categories[i])}: {v:,.2f}</title></rect>')
    return out


def _line(name, vs, categories, col, x, y) -> list[str]:
    """One series as a polyline with a point (and its tooltip) per value."""
    out = []
    pts = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
    if len(pts) > 1:
        out.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="'
                   + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
    for i, v in enumerate(vs):
        if v is not None:
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{col}">'
                       f'<title>{escape(name)} {escape(categories[i])}: {v:,.2f}</title></circle>')
    return out


def line_chart(title: str, categories: list[str], series: list[tuple[str, list[float | None]]],
               width: int = 760, height: int = 300, unit: str = "") -> str:
    """Lines (or bars when there is one category) with axis labels, legend and a title."""
    left, right, top, bottom = 70, 20, 36, 60
    pw, ph = width - left - right, height - top - bottom
    vals = [v for _, s in series for v in s if v is not None]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(title)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{escape(title)}</text>']
    if not vals or not categories:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">无数据</text></svg>')
        return "".join(out)
    lo, hi = min(vals + [0.0]), max(vals)
    if hi == lo:
        hi = lo + 1
    span = hi - lo
    lo, hi = lo - span * 0.05 if lo < 0 else lo, hi + span * 0.05

    def y(v):
        return top + ph - (v - lo) / (hi - lo) * ph

    n = len(categories)
    step = pw / max(n, 1)

    def x(i):
        return left + step * (i + 0.5)

    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{_nice(v)}</text>')
    every = max(1, n // 12)
    for i, c in enumerate(categories):
        if i % every == 0:
            out.append(f'<text x="{x(i):.1f}" y="{top + ph + 16}" text-anchor="middle">{escape(c)}</text>')
    if unit:
        out.append(f'<text x="8" y="{top - 8}">{escape(unit)}</text>')
    bar = n <= 2
    for s_i, (name, vs) in enumerate(series):
        col = PALETTE[s_i % len(PALETTE)]
        if bar:
            bw = step * 0.8 / max(len(series), 1)
            out += _bars(name, vs, categories, col, (left, step, bw, s_i), lo, y)
        else:
            out += _line(name, vs, categories, col, x, y)
        lx = left + (s_i % 4) * (pw / 4)
        ly = height - 24 + (s_i // 4) * 12
        out.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="10" fill="{col}"/>'
                   f'<text x="{lx + 14}" y="{ly + 1}">{escape(name[:28])}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(title: str, labels: list[str], values: list[float | None], unit: str = "", width: int = 760,
              height: int = 320) -> str:
    """Vertical bars, one per label (district tables of the 月报)."""
    left, right, top, bottom = 70, 20, 36, 70
    pw, ph = width - left - right, height - top - bottom
    vals = [v for v in values if v is not None]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">{escape(title)}</text>']
    if not vals:
        return "".join(out) + "</svg>"
    hi = max(max(vals), 0) or 1
    lo = min(min(vals), 0)
    step = pw / len(labels)
    def y(v):
        return top + ph - (v - lo) / (hi - lo) * ph
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{_nice(v)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        xc = left + step * (i + 0.5)
        out.append(f'<text x="{xc:.1f}" y="{top + ph + 14}" text-anchor="end" transform="rotate(-40 {xc:.1f} {top + ph + 14})">'
                   f'{escape(lab)}</text>')
        if v is None:
            continue
        out.append(f'<rect x="{xc - step * 0.35:.1f}" y="{min(y(v), y(0)):.1f}" width="{step * 0.7:.1f}" '
                   f'height="{abs(y(0) - y(v)):.1f}" fill="{PALETTE[0]}"><title>{escape(lab)}: {v:,.2f}</title></rect>')
    if unit:
        out.append(f'<text x="8" y="{top - 8}">{escape(unit)}</text>')
    return "".join(out) + "</svg>"
