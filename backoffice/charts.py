"""Charts drawn on the server as SVG geometry (no script, no outside library): bars per day with a line
over them, and horizontal bars of a mix. The templates draw them; the numbers are in tables beside them."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 220
LEFT, BOTTOM, TOP = 44, 24, 10  # room for the value axis, the day labels, and the top
ROW_HEIGHT, LABEL_WIDTH, VALUE_WIDTH = 26, 150, 60
MAX_DAY_LABELS = 8


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class DayChart:
    """Bars of one series per day (questions), a line of another (conversations)."""

    width: int
    height: int
    bars: list[Rect]
    line: str  # polyline points
    value_ticks: list[Tick]
    day_ticks: list[Tick]
    baseline: float


def _top(values: list[int]) -> int:
    """A round maximum for the value axis."""
    highest = max(values, default=0)
    if highest <= 5:
        return 5
    step = 10 ** (len(str(highest)) - 1)
    return ((highest + step - 1) // step) * step


def day_chart(days: list[str], bars: list[int], line: list[int]) -> DayChart:
    top = _top(bars + line)
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_width / max(len(days), 1)
    baseline = TOP + plot_height

    def y(value: int) -> float:
        return round(baseline - plot_height * value / top, 1)

    rects = [
        Rect(
            round(LEFT + slot * n + slot * 0.15, 1),
            y(value),
            round(slot * 0.7, 1),
            round(baseline - y(value), 1),
        )
        for n, value in enumerate(bars)
    ]
    points = " ".join(f"{round(LEFT + slot * (n + 0.5), 1)},{y(value)}" for n, value in enumerate(line))
    every = max(1, -(-len(days) // MAX_DAY_LABELS))
    day_ticks = [
        Tick(day[5:], round(LEFT + slot * (n + 0.5), 1), HEIGHT - 6)
        for n, day in enumerate(days)
        if n % every == 0
    ]
    value_ticks = [Tick(str(top * k // 4), LEFT - 6, y(top * k // 4)) for k in range(5)]
    return DayChart(WIDTH, HEIGHT, rects, points, value_ticks, day_ticks, baseline)


@dataclass(frozen=True)
class BarRow:
    label: str
    value: int
    bar: Rect
    text_y: float


@dataclass(frozen=True)
class BarsChart:
    width: int
    height: int
    rows: list[BarRow]
    label_x: int
    value_x: float


def bars_chart(items: list[tuple[str, int]]) -> BarsChart:
    top = max((value for _, value in items), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = [
        BarRow(
            label,
            value,
            Rect(LABEL_WIDTH, n * ROW_HEIGHT + 4, round(room * value / top, 1), ROW_HEIGHT - 8),
            n * ROW_HEIGHT + ROW_HEIGHT / 2 + 4,
        )
        for n, (label, value) in enumerate(items)
    ]
    return BarsChart(WIDTH, max(len(items), 1) * ROW_HEIGHT, rows, LABEL_WIDTH - 8, WIDTH - VALUE_WIDTH + 6)
