"""Server-side SVG charts of the weekly summary: plain strings, no script, nothing from a CDN.

Every label goes through xml escaping: terms and names come from platform text.
"""

from __future__ import annotations

from html import escape
from typing import Any

COLORS = {"negative": "#dc2626", "neutral": "#9ca3af", "positive": "#16a34a", "unanalyzed": "#e5e7eb",
          "bar": "#2563eb"}
_FONT = 'font-family="Arial,Helvetica,sans-serif" font-size="12"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def daily_columns(days: list[dict[str, Any]], day_names: list[str], series: list[tuple[str, str]],
                  title: str, *, width: int = 560, height: int = 220) -> str:
    """Stacked columns per day; `series` is [(key, label)] bottom to top."""
    top, bottom, left = 20, 40, 36
    plot_h = height - top - bottom
    peak = max([sum(d.get(k, 0) for k, _ in series) for d in days] + [1])
    slot = (width - left - 10) / max(len(days), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#6b7280"/>',
            f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" {_FONT}>{peak}</text>',
            f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" {_FONT}>0</text>']
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.15
        y = top + plot_h
        for key, label in series:
            value = day.get(key, 0)
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                        f'fill="{COLORS.get(key, COLORS["bar"])}"><title>{escape(label)}: {value}</title></rect>')
        total = sum(day.get(k, 0) for k, _ in series)
        name = day_names[i] if i < len(day_names) else str(day.get("date", ""))
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" text-anchor="middle" {_FONT}>{escape(name)}</text>')
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 30}" text-anchor="middle" {_FONT} fill="#6b7280">{total}</text>')
    return _svg(width, height, title, body)


def horizontal_bars(pairs: list[tuple[str, int]], title: str, *, width: int = 360) -> str:
    """One labelled bar per (label, value), longest first as given."""
    row, label_w = 24, 110
    height = max(len(pairs), 1) * row + 8
    peak = max([v for _, v in pairs] + [1])
    body = []
    for i, (label, value) in enumerate(pairs):
        y = 4 + i * row
        w = (width - label_w - 50) * value / peak
        body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {_FONT}>{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="16" fill="{COLORS["bar"]}"/>')
        body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" {_FONT}>{value}</text>')
    return _svg(width, height, title, body)


def share_bars(rows: list[tuple[str, dict[str, float]]], labels: dict[str, str], title: str,
               *, width: int = 560) -> str:
    """100 % stacked bars of sentiment shares, one per (row label, shares)."""
    row, label_w = 30, 120
    keys = ("negative", "neutral", "positive")
    height = len(rows) * row + 28
    body = []
    for i, (name, shares) in enumerate(rows):
        y, x = 4 + i * row, float(label_w)
        body.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" {_FONT}>{escape(name)}</text>')
        for key in keys:
            w = (width - label_w - 10) * shares.get(key, 0.0)
            if w <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="20" fill="{COLORS[key]}">'
                        f'<title>{escape(labels[key])}: {round(shares.get(key, 0) * 100)}%</title></rect>')
            if w > 30:
                body.append(f'<text x="{x + w / 2:.1f}" y="{y + 16}" text-anchor="middle" {_FONT} fill="#fff">'
                            f'{round(shares.get(key, 0) * 100)}%</text>')
            x += w
    legend_y = len(rows) * row + 20
    for j, key in enumerate(keys):
        lx = label_w + j * 110
        body.append(f'<rect x="{lx}" y="{legend_y - 10}" width="12" height="12" fill="{COLORS[key]}"/>')
        body.append(f'<text x="{lx + 16}" y="{legend_y}" {_FONT}>{escape(labels[key])}</text>')
    return _svg(width, height, title, body)
