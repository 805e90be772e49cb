"""The platform's one small-number rule, for every figure published to people other than the staff.

Public pages, published PDFs, exports and pages for partners all go through these functions so a
count hidden in one place cannot be worked out from another.

The rule
--------
* **Primary suppression** — a count from 1 to MIN_CELL - 1 is hidden, with its percentage.
* **Zeros are shown.** A zero names nobody, and hiding every zero would hide the shape of most
  tables; the price is that a hidden cell is known to be at least 1 (see the next rule).
  The only zeros hidden are those of a row or column whose total is itself under MIN_CELL, and
  those picked as a partner when a line has nothing else left to hide.
* **Small totals** — a row (or column) whose total is from 1 to MIN_CELL - 1 is hidden whole.
* **Secondary suppression** — in every row and column whose total is published (or can be
  deduced from the other totals), the hidden cells must be at least two and add up to at least
  MIN_CELL and to more than their number, so that neither subtracting the shown cells from the
  total nor knowing that each hidden cell is at least 1 gives a hidden count away. While a line breaks that, its smallest
  shown non-zero cell is hidden too (a zero only when nothing else is left); rows and columns
  are revisited until nothing changes, since a partner hidden in a row can leave its column with
  a lone hidden cell.
* **Percentages** go with their counts: a percentage and its base give the count back, so a
  hidden count never has a percentage shown.
* **Editions** — a comparison with an earlier edition suppresses each edition's table on its own
  with its own totals (both are published on their own), and an evolution between the two is
  shown only where neither side is hidden.

Nothing here reads the database: callers pass counts and get masks back (True = hidden).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

MIN_CELL = 5

Cell = tuple[int, int]


def is_small(count: int) -> bool:
    """A count that identifies people: at least one and fewer than MIN_CELL."""
    return 0 < count < MIN_CELL


def _lines(rows: int, cols: int, *, by_row: bool, by_col: bool) -> list[list[Cell]]:
    lines: list[list[Cell]] = []
    if by_row:
        lines += [[(i, j) for j in range(cols)] for i in range(rows)]
    if by_col:
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]
    return lines


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    row_totals_published: bool = True,
    col_totals_published: bool = True,
) -> list[list[bool]]:
    """The mask of the cells to hide (True = hidden) in a table of counts.

    `row_totals_published` / `col_totals_published`: whether each row's / column's total is
    shown (or can be worked out: a percentage table with its base publishes its total). Only
    lines with a known total can be used to subtract, so only those need secondary suppression.
    A row total under MIN_CELL hides its row whole (and the caller must not show that total).
    """
    rows = len(counts)
    cols = max((len(row) for row in counts), default=0)
    if any(len(row) != cols for row in counts):
        raise ValueError("every row of the table must have the same number of cells")
    hidden = [[is_small(count) for count in row] for row in counts]
    if row_totals_published:
        for i, row in enumerate(counts):
            if is_small(sum(row)):
                hidden[i] = [True] * cols
    if col_totals_published:
        for j in range(cols):
            if is_small(sum(counts[i][j] for i in range(rows))):
                for i in range(rows):
                    hidden[i][j] = True
    lines = _lines(rows, cols, by_row=row_totals_published, by_col=col_totals_published)
    changed = True
    while changed:
        changed = False
        for line in lines:
            concealed = [(i, j) for i, j in line if hidden[i][j]]
            if not concealed:
                continue
            hidden_sum = sum(counts[i][j] for i, j in concealed)
            # At least two, adding up to MIN_CELL or more, and to more than one each: k hidden
            # cells adding up to k would all be known to be 1 (hidden cells are never zeros).
            if len(concealed) >= 2 and hidden_sum >= max(MIN_CELL, len(concealed) + 1):
                continue
            shown = [(i, j) for i, j in line if not hidden[i][j]]
            non_zero = [(i, j) for i, j in shown if counts[i][j] > 0]
            # A hidden zero adds nothing to the hidden sum: it only helps a lone hidden cell.
            candidates = non_zero or (shown if len(concealed) == 1 else [])
            if not candidates:
                continue
            i, j = min(candidates, key=lambda cell: (counts[cell[0]][cell[1]], cell))
            hidden[i][j] = True
            changed = True
    return hidden


def suppress_distribution(counts: Sequence[int], *, total_published: bool = True) -> list[bool]:
    """The mask of one distribution (the answers to one question, or one public's column).

    `total_published`: the counts add up to a published total (single-choice questions). For a
    question with several answers possible the counts do not add up to anything, so only the
    small counts themselves are hidden.
    """
    if not counts:
        return []
    return suppress_table([list(counts)], row_totals_published=total_published, col_totals_published=False)[0]


def hidden_text() -> str:
    """What a hidden cell reads, wherever it is shown: « < 5 »."""
    return _("< %(n)s") % {"n": MIN_CELL}


def evolution(current: float | None, previous: float | None) -> float | None:
    """The change between two editions, or None when either side is hidden (or missing)."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def suppress_linked(
    counts: dict[object, int],
    lines: Sequence[Sequence[object]],
    hidden: set[object],
    *,
    fixed: frozenset | set = frozenset(),
) -> set[object]:
    """Secondary suppression over cells bound by several published relations at once.

    `counts` maps any cell key to its count; each line is a set of cells whose sum is known to a
    reader (a published total, or the same total reached two ways: a question's answers in the
    whole public and the same answers split by territory); `hidden` holds the cells already
    hidden (small counts, columns over a small total). The rule is suppress_table's, applied
    until no line changes: on every line with a hidden cell, at least two hidden cells adding
    up to MIN_CELL or more (and to more than one each). Used where one distribution is
    published both whole and split (filters, cross-tabulations): a single table per split would
    let a reader subtract one table's shown cells from the other's. Cells in `fixed` are
    already published as they are (shown or hidden) and never picked as partners.
    """
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for line in lines:
            concealed = [cell for cell in line if cell in hidden]
            if not concealed:
                continue
            hidden_sum = sum(counts[cell] for cell in concealed)
            if len(concealed) >= 2 and hidden_sum >= max(MIN_CELL, len(concealed) + 1):
                continue
            shown = [cell for cell in line if cell not in hidden and cell not in fixed]
            non_zero = [cell for cell in shown if counts[cell] > 0]
            candidates = non_zero or (shown if len(concealed) == 1 else [])
            if not candidates:
                continue
            hidden.add(min(candidates, key=lambda cell: (counts[cell], repr(cell))))
            changed = True
    return hidden
