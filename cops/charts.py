"""Charts drawn as SVG on the server, so a chart in a page and in a PDF are the same drawing.

Every chart returns a `Chart`: `.svg` (safe markup with role="img", a <title> and a <desc>),
`.title`, `.headers` and `.rows` (the numbers as an accessible table) and `.legend`.
Render it with `{% include "components/chart.html" with chart=chart %}`.

Numbers inside the SVG markup are formatted here, never by the template engine: with
LANGUAGE_CODE="fr" a localised float becomes "103,9" and WeasyPrint silently drops the shape.
Numbers meant for people (value labels, table cells) are French: "1 234", "3,5".
Information is never carried by colour alone: each series has a name in the legend and the
table, line and radar series also differ by dash pattern and marker shape.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cops.suppression import hidden_text

# Series colours: dark enough for 4.5:1 against white (tested), distinct hues that do not
# suggest a ranking (no red/green, no light/dark of one hue) so both sides weigh the same.
PRO_COLOR = "#2a5d9f"  # professionnels — blue
USER_COLOR = "#a0522d"  # usagers — sienna
JOINT_COLOR = "#3d7a3a"  # cotation conjointe — green
PALETTE = [PRO_COLOR, USER_COLOR, JOINT_COLOR, "#6a4c93", "#0b5c63", "#8a5a00", "#4f5d60", "#a4345c"]

DASHES = ["", "7 4", "2 3", "9 3 2 3"]
MARKERS = ["circle", "square", "triangle", "diamond"]

INK = "#1d2a2c"
MUTED = "#4f5d60"
GRID = "#d9d4ca"
FONT_FAMILY = "Atkinson Hyperlegible, DejaVu Sans, sans-serif"
FONT_SIZE = 13
CHAR_WIDTH = 6.6  # average glyph width at FONT_SIZE, used to wrap labels
VALUE_CHAR_WIDTH = 5.8  # at the 11 px of grouped value labels

WIDTH = 640
# Vertical bar, stacked bar and line charts.
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 24
PLOT_HEIGHT = 240
# Compact horizontal bars (phones, see bar_chart): drawn 340 wide, shown 300 to 450 px wide.
COMPACT_WIDTH = 340
COMPACT_FONT_SIZE = 14
COMPACT_CHAR_WIDTH = 7.2
# Radar: narrower than the other charts so that it stays readable once scaled down on a phone.
RADAR_WIDTH = 520
RADAR_CX = 260
RADAR_CY = 170
RADAR_RADIUS = 130
RADAR_HEIGHT = 350
RADAR_LABEL_CHARS = 14
RADAR_LABEL_SIZE = 15
RADAR_TICK_SIZE = 11
# Compact radar (phones): axes carry their number only, the names go in an HTML list under the
# drawing; text is large enough to stay at 11 px or more once the drawing fills a 390 px screen.
RADAR_COMPACT_LABEL_SIZE = 22
RADAR_COMPACT_TICK_SIZE = 15
RADAR_VIEW_PADDING = 6


@dataclass
class Series:
    label: str
    values: list[float | None]
    color: str = ""
    # True where a value is missing because it is a hidden small number (cops.suppression):
    # it then reads « < 5 » in the drawing and the table, never an empty bar or "non renseigné".
    hidden: Sequence[bool] = ()
    # Radar only: when set, a missing value is not drawn at the centre (it would read as 0): the
    # line is interrupted there and a hollow marker sits at the axis' outer end; the legend gets
    # an entry with this label (e.g. « pas de note commune »).
    missing_label: str = ""

    def is_hidden(self, index: int) -> bool:
        return index < len(self.hidden) and bool(self.hidden[index]) and self.values[index] is None

    def text(self, index: int, unit: str = "") -> str:
        if self.is_hidden(index):
            return hidden_text()
        return format_number(self.values[index], unit)


@dataclass(frozen=True)
class LegendItem:
    label: str
    color: str
    dash: str = ""
    marker: str = ""
    hollow: bool = False  # a missing value's mark: the series' marker, outlined only

    @property
    def swatch(self) -> SafeString:
        """A small SVG sample of the series' mark (CSP-safe: no style attribute)."""
        if self.hollow:
            return mark_safe(
                '<svg class="chart-swatch" width="32" height="16" viewBox="0 0 32 16" aria-hidden="true" '
                f'focusable="false">{_marker(self.marker or "circle", 16, 8, self.color, size=4.5, hollow=True)}</svg>'
            )
        if not self.marker:
            shape = f'<rect x="1" y="1" width="14" height="14" rx="2" fill="{self.color}"/>'
            return mark_safe(
                f'<svg class="chart-swatch" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" '
                f'focusable="false">{shape}</svg>'
            )
        dash = f' stroke-dasharray="{self.dash}"' if self.dash else ""
        shape = (
            f'<line x1="1" y1="8" x2="31" y2="8" stroke="{self.color}" stroke-width="2.5"{dash}/>'
            + _marker(self.marker, 16, 8, self.color, size=4)
        )
        return mark_safe(
            f'<svg class="chart-swatch" width="32" height="16" viewBox="0 0 32 16" aria-hidden="true" '
            f'focusable="false">{shape}</svg>'
        )


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[str]]
    legend: list[LegendItem] = field(default_factory=list)
    unit: str = ""
    description: str = ""

    def __html__(self) -> str:
        return str(self.svg)


# --- Number formatting ----------------------------------------------------------------------


def svg_number(value: float) -> str:
    """A coordinate for SVG markup: dot decimal, at most 2 decimals, locale-independent."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def format_number(value: float | None, unit: str = "") -> str:
    """A number for people, in French: "1 234", "3,5", "42 %"; missing values say so."""
    if value is None:
        return _("non renseigné")
    rounded = round(float(value), 2)
    negative = rounded < 0
    integer_part, _sep, decimals = f"{abs(rounded):.2f}".partition(".")
    decimals = decimals.rstrip("0")
    groups = []
    while len(integer_part) > 3:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    groups.insert(0, integer_part)
    text = "\u00a0".join(groups) + ("," + decimals if decimals else "")
    if negative and text != "0":
        text = "-" + text
    if unit:
        text += ("\u00a0" + unit) if unit in {"%", "€"} or unit[0].isalnum() else unit
    return text


def nice_axis(max_value: float, *, integer: bool = False) -> tuple[float, list[float]]:
    """The top of the value axis and its ticks (about five, on 1/2/2.5/5 steps)."""
    if max_value <= 0:
        max_value = 1
    raw = max_value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = 10 * magnitude
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = multiple * magnitude
        if integer and (candidate < 1 or candidate != int(candidate)):
            continue
        if candidate >= raw - 1e-12:
            step = candidate
            break
    if integer:
        step = max(1, step)
    count = math.ceil(max_value / step - 1e-9)
    ticks = [round(i * step, 10) for i in range(count + 1)]
    return ticks[-1], ticks


# --- Drawing helpers --------------------------------------------------------------------------


def _wrap(text: str, max_chars: int, max_lines: int = 3) -> list[str]:
    # Long compound names ("Haute-Garonne") may break after their hyphen.
    words = [part for word in str(text).split() for part in _split_hyphens(word, max_chars)]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = current + word if current.endswith("-") or not current else f"{current} {word}"
        if len(candidate) <= max_chars or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, max_chars - 1)].rstrip() + "…"
    return [line if len(line) <= max_chars + 2 else line[: max_chars - 1] + "…" for line in lines] or [""]


def _split_hyphens(word: str, max_chars: int) -> list[str]:
    if len(word) <= max_chars or "-" not in word.strip("-"):
        return [word]
    pieces = word.split("-")
    return [piece + "-" for piece in pieces[:-1]] + [pieces[-1]]


def _text(x: float, y: float, text: str, *, anchor: str = "middle", css: str = "", **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    klass = f' class="{css}"' if css else ""
    return (
        f'<text x="{svg_number(x)}" y="{svg_number(y)}" text-anchor="{anchor}"{klass}{extra}>'
        f"{escape(text)}</text>"
    )


def _multiline(
    x: float,
    y: float,
    lines: list[str],
    *,
    anchor: str = "middle",
    line_height: float = 15,
    font_size: int = 0,
) -> str:
    size = f' font-size="{font_size}"' if font_size else ""
    spans = "".join(
        f'<tspan x="{svg_number(x)}" dy="{svg_number(0 if i == 0 else line_height)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{svg_number(x)}" y="{svg_number(y)}" text-anchor="{anchor}" fill="{INK}"{size}>{spans}</text>'


def _marker(kind: str, x: float, y: float, color: str, size: float = 4.5, *, hollow: bool = False) -> str:
    paint = (
        f'fill="#fff" stroke="{color}" stroke-width="2"'
        if hollow
        else f'fill="{color}" stroke="#fff" stroke-width="1"'
    )
    if kind == "square":
        return (
            f'<rect x="{svg_number(x - size)}" y="{svg_number(y - size)}" width="{svg_number(2 * size)}" '
            f'height="{svg_number(2 * size)}" {paint}/>'
        )
    if kind == "triangle":
        points = [(x, y - size * 1.25), (x + size * 1.2, y + size), (x - size * 1.2, y + size)]
        return f'<polygon points="{_points(points)}" {paint}/>'
    if kind == "diamond":
        points = [(x, y - size * 1.3), (x + size * 1.3, y), (x, y + size * 1.3), (x - size * 1.3, y)]
        return f'<polygon points="{_points(points)}" {paint}/>'
    return f'<circle cx="{svg_number(x)}" cy="{svg_number(y)}" r="{svg_number(size)}" {paint}/>'


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{svg_number(x)},{svg_number(y)}" for x, y in points)


def _colors(series: Sequence[Series]) -> list[str]:
    return [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _open_svg(
    kind: str,
    title: str,
    description: str,
    height: float,
    width: float = WIDTH,
    origin: tuple[float, float] = (0, 0),
    css: str = "",
) -> tuple[str, list[str]]:
    uid = f"chart-{secrets.token_hex(4)}"
    view = f"{svg_number(origin[0])} {svg_number(origin[1])} {svg_number(width)} {svg_number(height)}"
    extra_class = f" {css}" if css else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-svg-{kind}{extra_class}" '
        f'viewBox="{view}" width="{svg_number(width)}" height="{svg_number(height)}" '
        f'role="img" aria-labelledby="{uid}-title {uid}-desc" font-family="{FONT_FAMILY}" '
        f'font-size="{FONT_SIZE}" fill="{INK}">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(description)}</desc>',
    ]
    return uid, parts


def _describe(kind_label: str, labels: Sequence[str], series: Sequence[Series], unit: str) -> str:
    summaries = []
    for s in series:
        values = ", ".join(f"{label} {s.text(i, unit)}" for i, label in enumerate(labels[: len(s.values)]))
        summaries.append(f"{s.label} : {values}" if s.label else values)
    return (
        f"{kind_label}. " + " ; ".join(summaries) + ". " + _("Les chiffres figurent aussi dans le tableau.")
    )


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not series:
        raise ValueError("a chart needs at least one series")
    for s in series:
        if len(s.values) != len(labels):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(labels)} labels")


def _table(
    first_header: str, labels: Sequence[str], series: Sequence[Series], unit: str
) -> tuple[list[str], list[list[str]]]:
    headers = [first_header] + [s.label or _("Valeur") for s in series]
    rows = [[str(label)] + [s.text(i, unit) for s in series] for i, label in enumerate(labels)]
    return headers, rows


def _value_axis_grid(
    ticks: list[float], top: float, unit: str, plot_left: float, plot_right: float
) -> list[str]:
    parts = []
    for tick in ticks:
        y = MARGIN_TOP + PLOT_HEIGHT - tick / top * PLOT_HEIGHT
        parts.append(
            f'<line x1="{svg_number(plot_left)}" y1="{svg_number(y)}" x2="{svg_number(plot_right)}" '
            f'y2="{svg_number(y)}" stroke="{GRID if tick else MUTED}" stroke-width="1"/>'
        )
        parts.append(_text(plot_left - 6, y + 4, format_number(tick, unit), anchor="end", fill=MUTED))
    return parts


def _legend(series: Sequence[Series], colors: list[str], *, lines: bool = False) -> list[LegendItem]:
    """Names the series; a single series is named by the title and the table header already."""
    if len(series) < 2:
        return []
    return [
        LegendItem(s.label, colors[j], DASHES[j % len(DASHES)], MARKERS[j % len(MARKERS)])
        if lines
        else LegendItem(s.label, colors[j])
        for j, s in enumerate(series)
        if s.label
    ]


def _all_integers(series: Sequence[Series]) -> bool:
    return all(v is None or float(v).is_integer() for s in series for v in s.values)


# --- Charts ----------------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    horizontal: bool = False,
    category_label: str = "",
    compact: bool = False,
) -> Chart:
    """Bars per category, one bar per series side by side, each labelled with its value.

    `compact` (horizontal bars only) draws a narrow chart for phones: each category's name,
    wrapped over the full width, sits above its bars; the drawing is COMPACT_WIDTH wide so that
    its text stays at 11 px or more once it fills a 390 px screen.
    """
    _check(categories, series)
    colors = _colors(series)
    max_value = max([v for s in series for v in s.values if v is not None] or [0])
    top, ticks = nice_axis(max_value, integer=_all_integers(series))
    description = _describe(_("Diagramme en barres"), categories, series, unit)
    width = WIDTH
    if horizontal and compact:
        # The figures are in the table that goes with a compact chart: not repeated here.
        description = _("Diagramme en barres horizontales. Les chiffres figurent dans le tableau.")
        width = COMPACT_WIDTH
        height, body = _compact_bars(categories, series, colors, top, unit)
    elif horizontal:
        height, body = _horizontal_bars(categories, series, colors, top, ticks, unit)
    else:
        height, body = _vertical_bars(categories, series, colors, top, ticks, unit)
    _uid, parts = _open_svg(
        "bar", title, description, height, width=width, css="chart-svg-compact" if compact else ""
    )
    if width == COMPACT_WIDTH:
        parts[0] = parts[0].replace(f'font-size="{FONT_SIZE}"', f'font-size="{COMPACT_FONT_SIZE}"')
    parts += body
    parts.append("</svg>")
    headers, rows = _table(category_label or _("Catégorie"), categories, series, unit)
    legend = _legend(series, colors)
    return Chart("bar", title, mark_safe("".join(parts)), headers, rows, legend, unit, description)


def _hidden_mark_vertical(x: float, width: float, baseline: float, color: str, text: str) -> list[str]:
    """A hidden small number: a short outlined stub in the series' colour, labelled « < 5 »."""
    return [
        f'<rect class="bar bar-hidden" x="{svg_number(x + 1)}" y="{svg_number(baseline - 6)}" '
        f'width="{svg_number(max(width - 2, 1))}" height="6" fill="#fff" stroke="{color}" '
        f'stroke-width="1" stroke-dasharray="3 2"/>',
        _text(x + width / 2, baseline - 10, text, css="value value-hidden", font_size="11", fill=MUTED),
    ]


def _hidden_mark_horizontal(left: float, y: float, height: float, color: str, text: str) -> list[str]:
    return [
        f'<rect class="bar bar-hidden" x="{svg_number(left)}" y="{svg_number(y + 1)}" width="8" '
        f'height="{svg_number(height - 2)}" fill="#fff" stroke="{color}" stroke-width="1" '
        f'stroke-dasharray="3 2"/>',
        _text(left + 14, y + height / 2 + 4, text, anchor="start", css="value value-hidden", fill=MUTED),
    ]


def _category_labels(categories: Sequence[str], band: float, baseline: float) -> tuple[list[str], int]:
    max_chars = max(4, int(band / CHAR_WIDTH))
    parts, max_lines = [], 1
    for i, category in enumerate(categories):
        lines = _wrap(category, max_chars)
        max_lines = max(max_lines, len(lines))
        parts.append(_multiline(MARGIN_LEFT + band * (i + 0.5), baseline + 18, lines))
    return parts, max_lines


def _vertical_bars(categories, series, colors, top, ticks, unit) -> tuple[float, list[str]]:
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    baseline = MARGIN_TOP + PLOT_HEIGHT
    band = (plot_right - plot_left) / len(categories)
    group = band * 0.72
    bar_width = group / len(series)
    parts = _value_axis_grid(ticks, top, unit, plot_left, plot_right)
    for i in range(len(categories)):
        for j, s in enumerate(series):
            value = s.values[i]
            x = plot_left + band * i + (band - group) / 2 + bar_width * j
            if s.is_hidden(i):
                parts += _hidden_mark_vertical(x, bar_width, baseline, colors[j], s.text(i))
                continue
            if value is None:
                continue
            bar_height = value / top * PLOT_HEIGHT
            inset = 1 if len(series) > 1 else 0  # a white gap between neighbouring bars
            parts.append(
                f'<rect class="bar" x="{svg_number(x + inset)}" y="{svg_number(baseline - bar_height)}" '
                f'width="{svg_number(bar_width - 2 * inset)}" height="{svg_number(bar_height)}" '
                f'fill="{colors[j]}"/>'
            )
            label = format_number(value, unit)
            # Side-by-side bars get smaller labels, and none when even that would overlap the
            # neighbour: the numbers table below the chart always has them.
            if len(series) == 1:
                parts.append(_text(x + bar_width / 2, baseline - bar_height - 6, label, css="value"))
            elif len(label) * VALUE_CHAR_WIDTH <= bar_width + 2:
                parts.append(
                    _text(x + bar_width / 2, baseline - bar_height - 5, label, css="value", font_size="11")
                )
    labels, lines = _category_labels(categories, band, baseline)
    parts += labels
    return baseline + 18 + 15 * lines, parts


def _horizontal_bars(categories, series, colors, top, ticks, unit) -> tuple[float, list[str]]:
    longest = max(len(str(c)) for c in categories)
    label_chars = min(32, max(6, longest))
    label_width = label_chars * CHAR_WIDTH
    plot_left = 12 + label_width + 8
    plot_right = WIDTH - MARGIN_RIGHT - 64  # room for the value label after the longest bar
    bar_height = 20
    row = bar_height * len(series) + 16
    parts = []
    for tick in ticks:
        x = plot_left + tick / top * (plot_right - plot_left)
        parts.append(
            f'<line x1="{svg_number(x)}" y1="{MARGIN_TOP - 8}" x2="{svg_number(x)}" '
            f'y2="{svg_number(MARGIN_TOP + row * len(categories))}" stroke="{GRID if tick else MUTED}" '
            f'stroke-width="1"/>'
        )
        parts.append(_text(x, MARGIN_TOP + row * len(categories) + 18, format_number(tick, unit), fill=MUTED))
    for i, category in enumerate(categories):
        y0 = MARGIN_TOP + row * i + 8
        lines = _wrap(category, label_chars)
        label_y = y0 + row / 2 - 8 - (len(lines) - 1) * 7.5 + 4
        parts.append(_multiline(plot_left - 8, label_y, lines, anchor="end"))
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + bar_height * j
            if s.is_hidden(i):
                parts += _hidden_mark_horizontal(plot_left, y, bar_height, colors[j], s.text(i))
                continue
            if value is None:
                continue
            length = value / top * (plot_right - plot_left)
            parts.append(
                f'<rect class="bar" x="{svg_number(plot_left)}" y="{svg_number(y + 1)}" '
                f'width="{svg_number(length)}" height="{bar_height - 2}" fill="{colors[j]}"/>'
            )
            parts.append(
                _text(
                    plot_left + length + 6,
                    y + bar_height / 2 + 4,
                    format_number(value, unit),
                    anchor="start",
                    css="value",
                )
            )
    return MARGIN_TOP + row * len(categories) + 30, parts


def _start_text(x: float, y: float, text: str) -> str:
    """A value label of a compact chart (text-anchor start is SVG's default: not repeated)."""
    return f'<text class="value" x="{svg_number(round(x, 1))}" y="{svg_number(y)}">{escape(text)}</text>'


def _compact_bars(categories, series, colors, top, unit) -> tuple[float, list[str]]:
    """Horizontal bars under their wrapped category name (see bar_chart's `compact`)."""
    left, right = 2, COMPACT_WIDTH - 58  # room for the value after the longest bar
    chars = int((COMPACT_WIDTH - 4) / COMPACT_CHAR_WIDTH)
    line, bar_height = COMPACT_FONT_SIZE + 3, 18
    parts, y = [], 4.0
    for i, category in enumerate(categories):
        lines = _wrap(category, chars, max_lines=4)
        spans = "".join(
            f'<tspan x="{left}" dy="{0 if k == 0 else line}">{escape(text)}</tspan>'
            for k, text in enumerate(lines)
        )
        parts.append(f'<text class="cat" x="{left}" y="{svg_number(y + COMPACT_FONT_SIZE)}">{spans}</text>')
        y += line * len(lines) + 4
        for j, s in enumerate(series):
            value = s.values[i]
            if s.is_hidden(i):
                parts.append(
                    f'<rect class="bar bar-hidden" x="{left}" y="{svg_number(y + 1)}" width="8" '
                    f'height="{bar_height - 2}" fill="#fff" stroke="{colors[j]}" stroke-dasharray="3 2"/>'
                )
                parts.append(_start_text(left + 14, y + bar_height - 4, s.text(i)))
            elif value is not None:
                length = max(value / top * (right - left), 0)
                parts.append(
                    f'<rect class="bar" x="{left}" y="{svg_number(y + 1)}" width="{svg_number(round(length, 1))}" '
                    f'height="{bar_height - 2}" fill="{colors[j]}"/>'
                )
                parts.append(_start_text(left + length + 5, y + bar_height - 4, format_number(value, unit)))
            y += bar_height
        y += 10
    parts.insert(0, f'<line x1="{left}" y1="0" x2="{left}" y2="{svg_number(y)}" stroke="{MUTED}"/>')
    return y, parts


def stacked_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    category_label: str = "",
) -> Chart:
    """One bar per category made of the series stacked in legend order, with the total on top."""
    _check(categories, series)
    colors = _colors(series)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    top, ticks = nice_axis(max(totals or [0]), integer=_all_integers(series))
    description = _describe(_("Diagramme en barres empilées"), categories, series, unit)
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    baseline = MARGIN_TOP + PLOT_HEIGHT
    band = (plot_right - plot_left) / len(categories)
    bar_width = band * 0.6
    body = _value_axis_grid(ticks, top, unit, plot_left, plot_right)
    for i in range(len(categories)):
        x = plot_left + band * i + (band - bar_width) / 2
        cumulated = 0.0
        for j, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            segment = value / top * PLOT_HEIGHT
            y = baseline - (cumulated + value) / top * PLOT_HEIGHT
            body.append(
                f'<rect class="bar" x="{svg_number(x)}" y="{svg_number(y)}" width="{svg_number(bar_width)}" '
                f'height="{svg_number(segment)}" fill="{colors[j]}" stroke="#fff" stroke-width="1"/>'
            )
            label = format_number(value, unit)
            if segment >= 16 and len(label) * CHAR_WIDTH <= bar_width:
                body.append(_text(x + bar_width / 2, y + segment / 2 + 4.5, label, css="value", fill="#fff"))
            cumulated += value
        body.append(
            _text(
                x + bar_width / 2,
                baseline - totals[i] / top * PLOT_HEIGHT - 6,
                format_number(totals[i], unit),
                css="total",
                font_weight="bold",
            )
        )
    labels, lines = _category_labels(categories, band, baseline)
    body += labels
    height = baseline + 18 + 15 * lines
    _uid, parts = _open_svg("stacked", title, description, height)
    parts += body
    parts.append("</svg>")
    headers, rows = _table(category_label or _("Catégorie"), categories, series, unit)
    headers.append(_("Total"))
    for row, total in zip(rows, totals, strict=True):
        row.append(format_number(total, unit))
    legend = _legend(series, colors)
    return Chart("stacked", title, mark_safe("".join(parts)), headers, rows, legend, unit, description)


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    category_label: str = "",
) -> Chart:
    """One line per series; series differ by colour, dash pattern and marker shape."""
    _check(x_labels, series)
    colors = _colors(series)
    max_value = max([v for s in series for v in s.values if v is not None] or [0])
    top, ticks = nice_axis(max_value, integer=_all_integers(series))
    description = _describe(_("Graphique en courbes"), x_labels, series, unit)
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    baseline = MARGIN_TOP + PLOT_HEIGHT
    band = (plot_right - plot_left) / len(x_labels)
    body = _value_axis_grid(ticks, top, unit, plot_left, plot_right)
    show_values = len(x_labels) <= 12
    for j, s in enumerate(series):
        dash, marker = DASHES[j % len(DASHES)], MARKERS[j % len(MARKERS)]
        points = [
            None if v is None else (plot_left + band * (i + 0.5), baseline - v / top * PLOT_HEIGHT)
            for i, v in enumerate(s.values)
        ]
        # A missing value breaks the line rather than inventing a slope through it.
        runs, run = [], []
        for point in points:
            if point is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(point)
        if run:
            runs.append(run)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline class="line" points="{_points(run)}" fill="none" stroke="{colors[j]}" '
                    f'stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
                )
        for i, point in enumerate(points):
            if point is None:
                continue
            body.append(_marker(marker, point[0], point[1], colors[j]))
            if show_values:
                # The highest value at this x is labelled above its point, the others below,
                # so that labels of crossing lines do not overlap.
                present = [other.values[i] for other in series if other.values[i] is not None]
                highest = s.values[i] == max(present) and all(
                    other.values[i] != s.values[i] for other in series[:j]
                )
                dy = -9 if highest else 19
                body.append(_text(point[0], point[1] + dy, format_number(s.values[i], unit), css="value"))
    labels, lines = _category_labels(x_labels, band, baseline)
    body += labels
    height = baseline + 18 + 15 * lines
    _uid, parts = _open_svg("line", title, description, height)
    parts += body
    parts.append("</svg>")
    headers, rows = _table(category_label or _("Période"), x_labels, series, unit)
    legend = _legend(series, colors, lines=True)
    return Chart("line", title, mark_safe("".join(parts)), headers, rows, legend, unit, description)


def radar_point(index: int, count: int, value: float, max_value: float) -> tuple[float, float]:
    """Axis 0 points straight up, the others follow clockwise."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    radius = max(0.0, min(value, max_value)) / max_value * RADAR_RADIUS
    return RADAR_CX + radius * math.cos(angle), RADAR_CY + radius * math.sin(angle)


def radar_chart(
    *,
    title: str,
    axes: Sequence[str],
    series: Sequence[Series],
    max_value: float = 4.0,
    bands: Sequence[tuple[int, Sequence[float | None], Sequence[float | None]]] | None = None,
    unit: str = "",
    category_label: str = "",
    bands_hidden: bool = False,
    compact: bool = False,
) -> Chart:
    """A radar (spider) chart on a 0..max_value scale.

    `bands` are (series_index, low_values, high_values): the spread of that series (e.g. the
    lowest and highest rating given) drawn as a translucent ring behind its line; with
    `bands_hidden` they are drawn hidden (`<g class="bands" visibility="hidden">`), for a page
    script to show on demand. A missing value is drawn at the centre without a marker and reads
    "non renseigné" in the table, unless its series has a `missing_label` (see Series).
    `compact` numbers the axes instead of naming them (the page lists the names) and enlarges
    the text, for phones. The viewBox always takes in the axis names, so none is clipped.
    """
    _check(axes, series)
    if len(axes) < 3:
        raise ValueError("a radar chart needs at least three axes")
    colors = _colors(series)
    count = len(axes)
    description = _describe(
        _("Graphique radar sur une échelle de 0 à {max}").format(max=format_number(max_value)),
        axes,
        series,
        unit,
    )
    tick_size = RADAR_COMPACT_TICK_SIZE if compact else RADAR_TICK_SIZE
    label_size = RADAR_COMPACT_LABEL_SIZE if compact else RADAR_LABEL_SIZE
    line_height = label_size + 2
    # The drawing's extent: the plot, then every text added below (a legacy radar keeps at least
    # its historical 520 × 350 frame so that existing pages do not change size).
    box = [RADAR_CX - RADAR_RADIUS, RADAR_CY - RADAR_RADIUS, RADAR_CX + RADAR_RADIUS, RADAR_CY + RADAR_RADIUS]
    if not compact:
        box = [0, 0, RADAR_WIDTH, RADAR_HEIGHT]

    def grow(x0: float, y0: float, x1: float, y1: float) -> None:
        box[0], box[1] = min(box[0], x0), min(box[1], y0)
        box[2], box[3] = max(box[2], x1), max(box[3], y1)

    body = []
    # Rings: one per unit step when the scale is small, otherwise four.
    levels = int(max_value) if float(max_value).is_integer() and max_value <= 10 else 4
    for level in range(1, levels + 1):
        value = max_value * level / levels
        ring = [radar_point(i, count, value, max_value) for i in range(count)]
        body.append(f'<polygon points="{_points(ring)}" fill="none" stroke="{GRID}" stroke-width="1"/>')
        x, y = radar_point(0, count, value, max_value)
        tick = format_number(value)
        body.append(_text(x + 4, y + 4, tick, anchor="start", fill=MUTED, font_size=str(tick_size)))
        grow(*_text_box(x + 4, y + 4, [tick], "start", tick_size, tick_size))
    labels = []
    for i, axis in enumerate(axes):
        x, y = radar_point(i, count, max_value, max_value)
        body.append(
            f'<line x1="{RADAR_CX}" y1="{RADAR_CY}" x2="{svg_number(x)}" y2="{svg_number(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        angle = -math.pi / 2 + 2 * math.pi * i / count
        cos, sin = math.cos(angle), math.sin(angle)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        lines = [str(i + 1)] if compact else _wrap(axis, RADAR_LABEL_CHARS, max_lines=4)
        gap = 18 if compact else 12  # the big axis numbers keep clear of the ring values
        lx = RADAR_CX + (RADAR_RADIUS + gap) * cos
        ly = RADAR_CY + (RADAR_RADIUS + gap) * sin + 4
        if sin < -0.2:
            ly -= line_height * (len(lines) - 1) + 4
        elif sin > 0.2:
            ly += round(label_size * 0.73)
        else:
            ly -= line_height / 2 * (len(lines) - 1)
        labels.append([lx, ly, lines, anchor, sin])
    _separate_radar_labels(labels, label_size, line_height)
    for lx, ly, lines, anchor, _sin in labels:
        # Axis names are a little larger: the radar is the chart people read on their phone.
        body.append(_multiline(lx, ly, lines, anchor=anchor, line_height=line_height, font_size=label_size))
        grow(*_text_box(lx, ly, lines, anchor, label_size, line_height))
    band_parts = []
    for series_index, low, high in bands or []:
        color = colors[series_index]
        outer = [radar_point(i, count, v or 0, max_value) for i, v in enumerate(high)]
        inner = [radar_point(i, count, v or 0, max_value) for i, v in enumerate(low)]

        def path(points):
            return "M" + " L".join(f"{svg_number(x)} {svg_number(y)}" for x, y in points) + " Z"

        present = [lo is not None and hi is not None for lo, hi in zip(low, high, strict=True)]
        if series[series_index].missing_label and not all(present):
            # Not down to the centre where the series has no value: only the wedges between
            # two neighbouring axes that both have a range.
            d = " ".join(
                path([outer[i], outer[(i + 1) % count], inner[(i + 1) % count], inner[i]])
                for i in range(count)
                if present[i] and present[(i + 1) % count]
            )
            if d:
                band_parts.append(
                    f'<path class="band" d="{d}" fill="{color}" fill-opacity="0.18" stroke="none"/>'
                )
            continue
        band_parts.append(
            f'<path class="band" d="{path(outer)} {path(inner)}" fill="{color}" fill-opacity="0.18" '
            f'fill-rule="evenodd" stroke="none"/>'
        )
    if band_parts:
        hidden = ' visibility="hidden"' if bands_hidden else ""
        body.append(f'<g class="bands"{hidden}>' + "".join(band_parts) + "</g>")
    missing_items = []
    for j, s in enumerate(series):
        dash, marker = DASHES[j % len(DASHES)], MARKERS[j % len(MARKERS)]
        points = [radar_point(i, count, v or 0, max_value) for i, v in enumerate(s.values)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if s.missing_label and any(v is None for v in s.values):
            body += _radar_broken_series(j, s, points, colors[j], dash_attr, len(series), compact)
            missing_items.append(LegendItem(s.missing_label, colors[j], marker=marker, hollow=True))
            continue
        body.append(
            f'<polygon class="series" points="{_points(points)}" fill="{colors[j]}" fill-opacity="0.1" '
            f'stroke="{colors[j]}" stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
        )
        for (x, y), value in zip(points, s.values, strict=True):
            if value is not None:
                body.append(_marker(marker, x, y, colors[j]))
    pad = RADAR_VIEW_PADDING
    origin = (math.floor(box[0] - pad), math.floor(box[1] - pad))
    width = math.ceil(box[2] + pad) - origin[0]
    height = math.ceil(box[3] + pad) - origin[1]
    if (
        not compact
        and origin == (-pad, -pad)
        and (width, height) == (RADAR_WIDTH + 2 * pad, RADAR_HEIGHT + 2 * pad)
    ):
        origin, width, height = (0, 0), RADAR_WIDTH, RADAR_HEIGHT  # nothing overflows the usual frame
    css = "chart-svg-compact" if compact else ""
    _uid, parts = _open_svg("radar", title, description, height, width, origin=origin, css=css)
    parts += body
    parts.append("</svg>")
    headers, rows = _table(category_label or _("Axe"), axes, series, unit)
    for series_index, low, high in bands or []:
        headers.append(_("Écart {label} (min – max)").format(label=series[series_index].label))
        for row, lo, hi in zip(rows, low, high, strict=True):
            row.append(
                _("non renseigné")
                if lo is None or hi is None
                else f"{format_number(lo)} – {format_number(hi)}"
            )
    legend = _legend(series, colors, lines=True) + missing_items
    return Chart("radar", title, mark_safe("".join(parts)), headers, rows, legend, unit, description)


# Average glyph width as a share of the font size, generous for DejaVu Sans (the PDF's font).
GLYPH_RATIO = 0.6


def _text_box(
    x: float, y: float, lines: list[str], anchor: str, size: float, line_height: float
) -> tuple[float, float, float, float]:
    """The approximate box of a (multi-line) text whose first baseline is at y."""
    width = max(len(line) for line in lines) * size * GLYPH_RATIO
    left = x - width / 2 if anchor == "middle" else (x if anchor == "start" else x - width)
    return left, y - size, left + width, y + line_height * (len(lines) - 1) + size * 0.3


def _separate_radar_labels(labels: list[list], size: float, line_height: float) -> None:
    """Moves apart neighbouring axis names whose boxes overlap (many axes, long names).

    In the lower half the name nearer the bottom moves down, in the upper half the one nearer
    the top moves up: away from the plot, never onto it.
    """
    count = len(labels)
    for _round in range(3):
        moved = False
        for i in range(count):
            first, second = labels[i], labels[(i + 1) % count]
            a = _text_box(first[0], first[1], first[2], first[3], size, line_height)
            b = _text_box(second[0], second[1], second[2], second[3], size, line_height)
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            if overlap_x <= 0 or overlap_y <= 0 or (first[4] > 0) != (second[4] > 0):
                continue
            if first[4] > 0:  # lower half: push the lower one further down
                lower = first if first[4] > second[4] else second
                lower[1] += overlap_y + 2
            else:  # upper half: push the higher one further up
                higher = first if first[4] < second[4] else second
                higher[1] -= overlap_y + 2
            moved = True
        if not moved:
            return


def _radar_broken_series(
    j: int, s: Series, points: list, color: str, dash_attr: str, series_count: int, compact: bool
) -> list[str]:
    """A series with missing values: its line stops at each gap, never dips to the centre.

    A missing value gets a hollow marker at the outer end of its axis (shifted sideways per
    series so that two series missing on one axis stay apart).
    """
    count = len(s.values)
    marker = MARKERS[j % len(MARKERS)]
    present = [v is not None for v in s.values]
    parts = []
    if any(present):
        start = present.index(False)
        runs, run = [], []
        for step in range(1, count + 1):
            i = (start + step) % count
            if present[i]:
                run.append(points[i])
            elif run:
                runs.append(run)
                run = []
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline class="series series-broken" points="{_points(run)}" fill="none" '
                    f'stroke="{color}" stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
                )
    size = 6 if compact else 5
    shift = (j - (series_count - 1) / 2) * (2.6 * size)
    for i, value in enumerate(s.values):
        if value is not None:
            parts.append(_marker(marker, *points[i], color))
            continue
        angle = -math.pi / 2 + 2 * math.pi * i / count
        x = RADAR_CX + RADAR_RADIUS * math.cos(angle) - math.sin(angle) * shift
        y = RADAR_CY + RADAR_RADIUS * math.sin(angle) + math.cos(angle) * shift
        parts.append(
            f'<g class="radar-missing" data-axis="{i}">{_marker(marker, x, y, color, size, hollow=True)}</g>'
        )
    return parts
