"""Plotly figures for the pages, rendered to HTML divs (plotly.js itself is served once, as a static file).

Figures are built as plain plotly figure dicts and rendered with `validate=False`: the figure classes'
validation costs several milliseconds per chart and the default template adds ~10 kB per chart, which a
dashboard of ten charts cannot afford under its 300 ms budget. Our own layout defaults replace the template.
No chart here needs anything from the network (no map tiles, no topojson), so pages work offline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import plotly
import plotly.io as pio
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
ACCENT = "#4338ca"
ACCENT_2 = "#0d9488"
MUTED = "#8a93a3"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#1c2330"}
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


class PlotlyJsFinder(BaseFinder):
    """Finds `vendor/plotly.min.js` in the installed plotly package, so collectstatic copies the exact
    version the figures are built for and no page loads it from a CDN."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
        self.storage = FileSystemStorage(location=str(self.source.parent))
        self.storage.prefix = str(Path(PLOTLY_JS).parent)

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == PLOTLY_JS and self.source.exists():
            return [str(self.source)] if find_all or kwargs.get("all") else str(self.source)
        return [] if find_all or kwargs.get("all") else None

    def list(self, ignore_patterns):
        if self.source.exists():
            yield self.source.name, self.storage


def _layout(**overrides) -> dict:
    layout = {
        "font": FONT,
        "margin": {"l": 48, "r": 16, "t": 12, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "height": 300,
        "bargap": 0.18,
        "hoverlabel": {"font": {"family": FONT["family"]}},
        "xaxis": {"gridcolor": "#eef0f3", "zerolinecolor": "#e3e6eb", "automargin": True},
        "yaxis": {"gridcolor": "#eef0f3", "zerolinecolor": "#e3e6eb", "automargin": True},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "showlegend": False,
    }
    if overrides.get("showlegend"):
        layout["margin"] = {**layout["margin"], "t": 36}  # room for the legend above the plot
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def render(figure: dict, *, div_id: str, label: str) -> str:
    """One figure as an HTML div plus its inline script; `label` is the chart's accessible name."""
    height = figure.get("layout", {}).get("height", 300)
    html = pio.to_html(
        figure,
        config=CONFIG,
        include_plotlyjs=False,
        full_html=False,
        validate=False,
        div_id=div_id,
        default_height=f"{height}px",
    )
    return f'<div class="chart" role="img" aria-label="{label}">{html}</div>'


def _tier_for(score: float, tiers) -> object | None:
    for tier in tiers:  # best first
        if score >= tier.lower_bound:
            return tier
    return tiers[-1] if tiers else None


def _pct(values) -> list:
    return [None if v is None else round(v * 100, 1) for v in values]


# ---------------------------------------------------------------- dashboard charts


def score_histogram(distribution: dict, tiers) -> str:
    bins = distribution["bins"]
    colours = [(_tier_for(b["low"], tiers).colour if tiers else ACCENT) for b in bins]
    fig = {
        "data": [
            {
                "type": "bar",
                "x": [b["low"] + (b["high"] - b["low"]) / 2 for b in bins],
                "width": [(b["high"] - b["low"]) * 0.92 for b in bins],
                "y": [b["leads"] for b in bins],
                "marker": {"color": colours},
                "customdata": [b["band"] for b in bins],
                "hovertemplate": "Score %{customdata}<br>%{y:,} leads<extra></extra>",
            }
        ],
        "layout": _layout(
            xaxis={"title": {"text": "Score"}, "range": [0, 100], "dtick": 10},
            yaxis={"title": {"text": "Leads"}},
        ),
    }
    for tier in tiers[:-1]:
        fig["layout"].setdefault("shapes", []).append(
            {
                "type": "line",
                "x0": tier.lower_bound,
                "x1": tier.lower_bound,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": tier.colour, "dash": "dot", "width": 1.5},
            }
        )
    return render(fig, div_id="chart-distribution", label="Score distribution histogram")


def funnel_chart(stages: list[dict]) -> str:
    main = [s for s in stages if s["stage"] != "lost"]
    fig = {
        "data": [
            {
                "type": "funnel",
                "y": [s["label"] for s in main],
                "x": [s["leads"] for s in main],
                "textinfo": "value+percent initial",
                "marker": {"color": ["#818cf8", "#6366f1", "#4f46e5", "#15803d"][: len(main)]},
                "connector": {"fillcolor": "#eef0ff"},
            }
        ],
        "layout": _layout(margin={"l": 90}),
    }
    return render(fig, div_id="chart-funnel", label="Conversion funnel by stage")


def _right_axis(title: str, **extra) -> dict:
    """A second y axis on the right, over the first, without its own grid."""
    return {"title": {"text": title}, "overlaying": "y", "side": "right", **extra, "showgrid": False}


def _rate_bars_and_money_line(
    *,
    x: list,
    rates: list,
    bar: dict,
    line_name: str,
    money: list,
    line: dict,
    money_title: str,
    div_id: str,
    label: str,
    **layout,
) -> str:
    """Conversion rates as bars (in %) and a money figure as a line on a $ axis at the right."""
    fig = {
        "data": [
            {"type": "bar", "name": "Conversion rate", "x": x, "y": _pct(rates), **bar},
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": line_name,
                "x": x,
                "y": money,
                "yaxis": "y2",
                **line,
            },
        ],
        "layout": _layout(
            **layout,
            yaxis={"title": {"text": "Conversion %"}, "rangemode": "tozero"},
            yaxis2=_right_axis(money_title, rangemode="tozero", tickprefix="$"),
            showlegend=True,
            margin={"r": 60},
        ),
    }
    return render(fig, div_id=div_id, label=label)


def tier_conversion_chart(rows: list[dict]) -> str:
    return _rate_bars_and_money_line(
        x=[r["tier"] for r in rows],
        rates=[r["conversion_rate"] for r in rows],
        bar={
            "marker": {"color": [r["colour"] for r in rows]},
            "customdata": [[r["leads"], r["converted"]] for r in rows],
            "hovertemplate": "%{x}: %{y}% converted<br>%{customdata[1]:,} of %{customdata[0]:,}<extra></extra>",
        },
        line_name="Revenue",
        money=[r["revenue"] for r in rows],
        line={
            "line": {"color": "#1c2330", "width": 2},
            "hovertemplate": "%{x}: %{y:$,.0f}<extra>Revenue</extra>",
        },
        money_title="Revenue",
        div_id="chart-tiers",
        label="Conversion rate and revenue by tier",
    )


def band_roi_chart(rows: list[dict]) -> str:
    return _rate_bars_and_money_line(
        x=[r["band"] for r in rows],
        rates=[r["conversion_rate"] for r in rows],
        bar={
            "marker": {"color": ACCENT},
            "customdata": [r["leads"] for r in rows],
            "hovertemplate": "Score %{x}: %{y}% converted<br>%{customdata:,} leads<extra></extra>",
        },
        line_name="Revenue per lead",
        money=[r["revenue_per_lead"] for r in rows],
        line={
            "line": {"color": ACCENT_2, "width": 2},
            "hovertemplate": "Score %{x}: %{y:$,.0f} per lead<extra></extra>",
        },
        money_title="Revenue per lead",
        div_id="chart-bands",
        label="Conversion rate and revenue per lead by score band",
        xaxis={"title": {"text": "Score band"}, "type": "category"},
    )


def trends_chart(trend: dict) -> str:
    points = trend["points"]
    x = [p["period"] for p in points]
    fig = {
        "data": [
            {
                "type": "bar",
                "name": "Leads",
                "x": x,
                "y": [p["leads"] for p in points],
                "marker": {"color": "#c7d2fe"},
                "hovertemplate": "%{x}: %{y:,} leads<extra></extra>",
            },
            {
                "type": "bar",
                "name": "Converted",
                "x": x,
                "y": [p["converted"] for p in points],
                "marker": {"color": "#15803d"},
                "hovertemplate": "%{x}: %{y:,} converted<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Average score",
                "x": x,
                "y": [p["avg_score"] for p in points],
                "yaxis": "y2",
                "line": {"color": ACCENT, "width": 2.5},
                "hovertemplate": "%{x}: average %{y}<extra></extra>",
            },
        ],
        "layout": _layout(
            barmode="overlay",
            xaxis={"type": "date"},
            yaxis={"title": {"text": f"Leads per {trend['granularity']}"}, "rangemode": "tozero"},
            yaxis2=_right_axis("Average score", range=[0, 100]),
            showlegend=True,
            margin={"r": 56},
        ),
    }
    return render(fig, div_id="chart-trends", label="Lead volume, conversions and average score over time")


def _hbar(rows: list[dict], *, value: str, div_id: str, label: str, title: str, fmt: str) -> str:
    rows = list(reversed(rows))  # plotly draws the first category at the bottom
    fig = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["name"] for r in rows],
                "x": [r[value] for r in rows],
                "marker": {"color": ACCENT},
                "customdata": [[r["leads"], _pct([r["conversion_rate"]])[0]] for r in rows],
                "hovertemplate": "%{y}: " + fmt + "<br>%{customdata[0]:,} leads, %{customdata[1]}% converted"
                "<extra></extra>",
            }
        ],
        "layout": _layout(
            xaxis={"title": {"text": title}, "rangemode": "tozero"},
            height=max(220, 28 * len(rows) + 60),
            margin={"l": 120},
        ),
    }
    return render(fig, div_id=div_id, label=label)


def sources_chart(rows: list[dict]) -> str:
    return _hbar(
        rows,
        value="avg_score",
        div_id="chart-sources",
        label="Top lead sources by average score",
        title="Average score",
        fmt="average %{x}",
    )


def geography_chart(rows: list[dict]) -> str:
    return _hbar(
        rows,
        value="leads",
        div_id="chart-geography",
        label="Leads by country",
        title="Leads",
        fmt="%{x:,} leads",
    )


def migration_chart(migration: dict) -> str:
    """A Sankey from the tier in force at the start of the range to the tier at its end."""
    left = migration["from_tiers"]
    right = migration["to_tiers"]
    colours = migration["colours"]
    labels = [f"{t} (start)" for t in left] + [f"{t} (end)" for t in right]
    node_colours = [colours.get(t, MUTED) for t in left] + [colours.get(t, MUTED) for t in right]
    source, target, value, link_colours = [], [], [], []
    for flow in migration["flows"]:
        if flow["from"] not in left or flow["to"] not in right:
            continue
        source.append(left.index(flow["from"]))
        target.append(len(left) + right.index(flow["to"]))
        value.append(flow["leads"])
        link_colours.append(
            "rgba(67,56,202,0.18)" if flow["from"] != flow["to"] else "rgba(138,147,163,0.18)"
        )
    fig = {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": labels,
                    "color": node_colours,
                    "pad": 14,
                    "thickness": 14,
                    "line": {"width": 0},
                },
                "link": {"source": source, "target": target, "value": value, "color": link_colours},
            }
        ],
        "layout": _layout(margin={"l": 8, "r": 8, "t": 8, "b": 8}),
    }
    return render(
        fig, div_id="chart-migration", label="Tier migration between the start and the end of the range"
    )


# ---------------------------------------------------------------- lead page


def score_history_chart(points: list[dict], tiers) -> str:
    """Score over time with the tier bands behind it; tier changes are marked and their causes hover.

    points: [{"at": ISO datetime, "score", "tier", "previous_tier", "cause"}], oldest first.
    """
    shapes = []
    bounds = sorted(tiers, key=lambda t: t.lower_bound)
    for i, tier in enumerate(bounds):
        upper = bounds[i + 1].lower_bound if i + 1 < len(bounds) else 100
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": tier.lower_bound,
                "y1": upper,
                "fillcolor": tier.colour,
                "opacity": 0.07,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    changes = [p for p in points if p["previous_tier"] and p["previous_tier"] != p["tier"]]
    fig = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [p["at"] for p in points],
                "y": [p["score"] for p in points],
                "line": {"color": ACCENT, "width": 2.5, "shape": "hv"},
                "marker": {"size": 6, "color": ACCENT},
                "customdata": [[p["tier"], p["cause"]] for p in points],
                "hovertemplate": "%{y:.0f} (%{customdata[0]})<br>%{customdata[1]}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p["at"] for p in changes],
                "y": [p["score"] for p in changes],
                "marker": {
                    "size": 13,
                    "symbol": "diamond",
                    "color": "#fbbf24",
                    "line": {"color": "#1c2330", "width": 1},
                },
                "customdata": [[p["previous_tier"], p["tier"], p["cause"]] for p in changes],
                "hovertemplate": "%{customdata[0]} → %{customdata[1]}<br>%{customdata[2]}<extra>Tier change</extra>",
            },
        ],
        "layout": _layout(
            shapes=shapes,
            height=260,
            yaxis={"range": [0, 100], "title": {"text": "Score"}, "dtick": 25},
            xaxis={"type": "date", **_history_span(points)},
        ),
    }
    return render(fig, div_id="chart-history", label="Score history with tier changes")


def _history_span(points: list[dict]) -> dict:
    """A week at least on the time axis: plotly zooms one decision, or a day's, to milliseconds."""
    if not points:
        return {}
    moments = [datetime.fromisoformat(str(p["at"])) for p in points]
    first, last = min(moments), max(moments)
    if last - first >= timedelta(days=7):
        return {}
    return {"range": [(last - timedelta(days=7)).isoformat(), (last + timedelta(hours=12)).isoformat()]}
