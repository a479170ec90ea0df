"""Charts drawn on the server as SVG shapes: no script, no network, readable in every language.

Each function takes texts already written in the page's language (labels, and each value as
it is to be read) and returns a :class:`Chart`, which the ``chart`` macro of
``web/charts.html`` draws. Text widths are estimated (:func:`text_width`) so that the
longest label or value fits: a label is never cut. Each value is written beside its mark, and
series differ by fill (solid, outlined), not by colour alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

FONT = 14
LINE = FONT + 6
GAP = 8
WIDTH = 640
#: The marks' colours: dark enough on white for text-level contrast (over 4.5:1).
INK = "#1f5f99"
#: Series after the first are outlined, so that they differ by more than their colour.
SERIES = ({"fill": INK, "stroke": INK},
          {"fill": "#ffffff", "stroke": "#8a3b12", "stroke-width": "3"})


@dataclass(frozen=True)
class Shape:
    """One SVG element: ``tag``, its attributes, and its text (for ``text``)."""

    tag: str
    attrs: dict
    text: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    shapes: tuple[Shape, ...]
    #: The series' names and swatches, when there is more than one.
    legend: tuple[tuple[str, dict], ...] = field(default=())


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Column:
    """One month (or category) along the horizontal axis: its label's lines, and one value
    and text per series."""

    lines: tuple[str, ...]
    values: tuple[float, ...]
    texts: tuple[str, ...]


def text_width(text: str, size: int = FONT) -> int:
    """A generous estimate of a text's width: an average glyph is under 0.62 em."""
    return int(len(text) * size * 0.62) + 2


def _text(x, y, text, anchor="start", **attrs) -> Shape:
    return Shape("text", {"x": x, "y": y, "text-anchor": anchor, **attrs}, text)


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> Chart:
    """Horizontal bars, each under its label (a label of any length keeps the whole width)
    and followed by its value."""
    widest_value = max((text_width(bar.text) for bar in bars), default=0)
    widest_label = max((text_width(bar.label) for bar in bars), default=0)
    width = max(WIDTH, widest_label)
    room = width - widest_value - GAP
    top = max((bar.value for bar in bars), default=0) or 1
    shapes, y = [], 0
    for bar in bars:
        length = round(room * bar.value / top) if bar.value > 0 else 0
        shapes.append(_text(0, y + FONT, bar.label))
        shapes.append(Shape("rect", {"x": 0, "y": y + LINE, "width": max(length, 1),
                                     "height": LINE, **SERIES[0]}))
        shapes.append(_text(length + GAP, y + LINE + FONT, bar.text))
        y += 2 * LINE + GAP
    return Chart(chart_id, title, description, width, max(y, LINE), tuple(shapes))


def column_chart(chart_id: str, title: str, description: str, columns: Sequence[Column],
                 series: Sequence[str] = ()) -> Chart:
    """Vertical columns per month, side by side per series, each topped by its value (the
    values are written upright when they would not fit across)."""
    count = max((len(column.values) for column in columns), default=1)
    values = [text for column in columns for text in column.texts]
    widest = max((text_width(text) for text in values), default=0)
    slot = max(WIDTH // max(len(columns), 1), max((text_width(line) for column in columns
                                                    for line in column.lines), default=0) + GAP)
    width, bar = slot * len(columns), max(6, (slot - 2 * GAP) // count)
    upright = bar < widest  # values too wide across their column are turned upright
    label_room = widest + GAP if upright else LINE
    plot = 200
    top = max((value for column in columns for value in column.values), default=0) or 1
    base = label_room + plot
    shapes = [Shape("line", {"x1": 0, "y1": base, "x2": width, "y2": base,
                             "stroke": "currentColor"})]
    for index, column in enumerate(columns):
        left = index * slot + (slot - bar * count) // 2
        for number, (value, text) in enumerate(zip(column.values, column.texts)):
            height = round(plot * value / top) if value > 0 else 0
            x = left + number * bar
            shapes.append(Shape("rect", {"x": x + 1, "y": base - height,
                                         "width": bar - 2, "height": height,
                                         **SERIES[number % len(SERIES)]}))
            middle, above = x + bar // 2, base - height - 4
            shapes.append(_text(middle, above, text, "start",
                                transform=f"rotate(-90 {middle} {above})",
                                **{"dominant-baseline": "middle"}) if upright
                          else _text(middle, above, text, "middle"))
        for line_number, line in enumerate(column.lines):
            shapes.append(_text(index * slot + slot // 2, base + (line_number + 1) * LINE,
                                line, "middle"))
    height = base + max((len(column.lines) for column in columns), default=1) * LINE + GAP
    legend = tuple((name, SERIES[number % len(SERIES)]) for number, name in enumerate(series)) \
        if len(series) > 1 else ()
    return Chart(chart_id, title, description, width, height, tuple(shapes), legend)


def line_chart(chart_id: str, title: str, description: str, columns: Sequence[Column]) -> Chart:
    """One line through a value per month, each point marked and written above."""
    widest = max((text_width(column.texts[0]) for column in columns), default=0)
    slot = max(WIDTH // max(len(columns), 1), widest + GAP,
               max((text_width(line) for column in columns for line in column.lines),
                   default=0) + GAP)
    width, plot = slot * len(columns), 200
    values = [column.values[0] for column in columns]
    low, high = min(values + [0]), max(values + [0])
    span = (high - low) or 1
    base = LINE + GAP + plot  # room above the highest point for its value
    points = [(index * slot + slot // 2, base - round(plot * (value - low) / span))
              for index, value in enumerate(values)]
    shapes = [Shape("line", {"x1": 0, "y1": base, "x2": width, "y2": base,
                             "stroke": "currentColor"}),
              Shape("polyline", {"points": " ".join(f"{x},{y}" for x, y in points),
                                 "fill": "none", "stroke": INK, "stroke-width": "3"})]
    for (x, y), column in zip(points, columns):
        shapes.append(Shape("circle", {"cx": x, "cy": y, "r": 5, **SERIES[0]}))
        shapes.append(_text(x, y - GAP, column.texts[0], "middle"))
        for line_number, line in enumerate(column.lines):
            shapes.append(_text(x, base + (line_number + 1) * LINE, line, "middle"))
    height = base + max((len(column.lines) for column in columns), default=1) * LINE + GAP
    return Chart(chart_id, title, description, width, height, tuple(shapes))
