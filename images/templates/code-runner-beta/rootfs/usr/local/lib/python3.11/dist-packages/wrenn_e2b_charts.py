"""Chart data for E2B's code interpreter (Wrenn's docs/e2b.md).

enable() makes every matplotlib figure a kernel displays also carry an "e2b/chart"
representation: the chart's kind (line, scatter, bar, pie, or unknown), its title, axis labels and
the plotted values, read from the figure's artists. The E2B surface passes it on as the result's
`chart`. Only kernels that run code through the E2B surface turn it on.
"""
import math

import matplotlib.collections
import matplotlib.figure
import matplotlib.patches
from IPython import get_ipython

MIME = "e2b/chart"


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def _visible_label(artist):
    label = artist.get_label()
    return None if not label or label.startswith("_") else label


def _axes_chart(axes):
    chart = {
        "title": axes.get_title() or None,
        "x_label": axes.get_xlabel() or None,
        "y_label": axes.get_ylabel() or None,
    }
    wedges = [patch for patch in axes.patches if isinstance(patch, matplotlib.patches.Wedge)]
    bars = [(container, patch) for container in axes.containers for patch in container
            if isinstance(patch, matplotlib.patches.Rectangle)]
    points = [collection for collection in axes.collections if isinstance(collection, matplotlib.collections.PathCollection)]
    lines = axes.get_lines()
    if wedges:
        texts = [text.get_text() for text in axes.texts]
        chart["type"] = "pie"
        chart["elements"] = [
            {"label": texts[index] if index < len(texts) else None, "angle": _number(wedge.theta2 - wedge.theta1), "radius": _number(wedge.r)}
            for index, wedge in enumerate(wedges)
        ]
    elif bars:
        labels = [tick.get_text() for tick in axes.get_xticklabels()]
        chart["type"] = "bar"
        chart["elements"] = []
        for index, (container, bar) in enumerate(bars):
            chart["elements"].append({
                "label": labels[index % len(labels)] if labels and labels[index % len(labels)] else _number(bar.get_x() + bar.get_width() / 2),
                "value": _number(bar.get_height()),
                "group": _visible_label(container),
            })
    elif points:
        chart["type"] = "scatter"
        chart["elements"] = [
            {"label": _visible_label(collection), "points": [[_number(x), _number(y)] for x, y in collection.get_offsets()]}
            for collection in points
        ]
    elif lines:
        chart["type"] = "line"
        chart["elements"] = [
            {"label": _visible_label(line), "points": [[_number(x), _number(y)] for x, y in zip(line.get_xdata(), line.get_ydata())]}
            for line in lines
        ]
    else:
        chart["type"] = "unknown"
        chart["elements"] = []
    return chart


def _figure_chart(figure):
    charts = [_axes_chart(axes) for axes in figure.get_axes()]
    if len(charts) == 1:
        return charts[0]
    return {"type": "superchart", "title": figure.get_suptitle() or None if hasattr(figure, "get_suptitle") else None, "elements": charts}


def _chart_bundle(figure, include=None, exclude=None):
    if (include and MIME not in include) or (exclude and MIME in exclude):
        return {}
    return {MIME: _figure_chart(figure)}


def enable():
    """Adds the chart representation to this kernel's displays (idempotent).

    It goes through the MIME-bundle formatter, not a formatter of its own: matplotlib's inline
    backend removes every other formatter's Figure printer when it loads (at a kernel's first
    figure), which would drop one registered before.
    """
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.mimebundle_formatter.for_type(matplotlib.figure.Figure, _chart_bundle)
