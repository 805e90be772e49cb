"""The small-number rule: exact masks on hand-made tables, and an attacker who never wins."""

import random

import pytest

from cops.suppression import (
    MIN_CELL,
    evolution,
    hidden_text,
    suppress_distribution,
    suppress_table,
)

# --- The attacker -----------------------------------------------------------------------------


def attack(
    published: list[list[int | None]],
    row_totals: list[int] | None,
    col_totals: list[int] | None,
    grand_total: int | None = None,
) -> dict[tuple[int, int], int]:
    """Solve hidden cells (None) by subtraction, as someone holding the published figures would.

    Every line (row or column) whose total is known and which has exactly one unknown cell gives
    that cell; solving one may leave another line with one unknown, so this repeats until stable.
    A missing row (or column) total is worked out from the grand total and the other totals.
    Returns {cell: value} for every hidden cell it determined.
    """
    rows, cols = len(published), len(published[0])
    known = {(i, j): v for i, row in enumerate(published) for j, v in enumerate(row) if v is not None}
    solved: dict[tuple[int, int], int] = {}
    lines = []
    if row_totals is not None:
        lines += [([(i, j) for j in range(cols)], row_totals[i]) for i in range(rows)]
    if col_totals is not None:
        lines += [([(i, j) for i in range(rows)], col_totals[j]) for j in range(cols)]
    progress = True
    while progress:
        progress = False
        for cells, total in lines:
            unknown = [cell for cell in cells if cell not in known]
            if len(unknown) == 1:
                value = total - sum(known[cell] for cell in cells if cell in known)
                known[unknown[0]] = solved[unknown[0]] = value
                progress = True
    return solved


def published_counts(counts, mask):
    return [
        [None if hidden else c for c, hidden in zip(row, hidden_row, strict=True)]
        for row, hidden_row in zip(counts, mask, strict=True)
    ]


def published_percents(counts, mask):
    """Percentages of each row's total, as the barometer publishes them (one decimal)."""
    out = []
    for row, hidden_row in zip(counts, mask, strict=True):
        total = sum(row)
        out.append(
            [
                None if hidden else round(100 * c / total, 1) if total else 0.0
                for c, hidden in zip(row, hidden_row, strict=True)
            ]
        )
    return out


def counts_from_percents(percents, row_totals):
    """The percentage attack: a percentage and its base give the count back."""
    return [
        [None if p is None else round(p * total / 100) for p in row]
        for row, total in zip(percents, row_totals, strict=True)
    ]


def random_table(rng: random.Random) -> list[list[int]]:
    rows, cols = rng.randint(2, 6), rng.randint(2, 6)

    def cell() -> int:
        draw = rng.random()
        if draw < 0.2:
            return 0
        if draw < 0.65:
            return rng.randint(1, MIN_CELL - 1)
        return rng.randint(MIN_CELL, 40)

    return [[cell() for _j in range(cols)] for _i in range(rows)]


def margins(counts):
    return [sum(row) for row in counts], [sum(col) for col in zip(*counts, strict=True)]


# --- Exact masks --------------------------------------------------------------------------------


def test_a_lone_small_cell_takes_the_next_smallest_of_its_row_as_partner():
    mask = suppress_distribution([20, 3, 9, 12])

    assert mask == [False, True, True, False]


def test_small_cells_are_hidden_without_partner_when_the_counts_add_up_to_nothing():
    """Several answers possible: the counts do not add up to the published total."""
    assert suppress_distribution([15, 3, 9], total_published=False) == [False, True, False]


def test_zeros_are_shown_and_never_taken_as_partner_while_a_count_is_left():
    assert suppress_distribution([0, 2, 7, 30]) == [False, True, True, False]


def test_a_zero_is_taken_as_partner_only_when_nothing_else_is_left():
    assert suppress_distribution([0, 3]) == [True, True]


def test_two_hidden_cells_adding_up_to_less_than_min_cell_take_a_third():
    # 1 + 1: each hidden cell would be known to be 1, since hidden cells are never zeros.
    assert suppress_distribution([1, 1, 8, 30]) == [True, True, True, False]


def test_partner_hidden_in_a_row_gets_its_own_partner_in_its_column():
    counts = [
        [3, 8, 20],
        [10, 9, 30],
        [12, 25, 6],
    ]

    mask = suppress_table(counts)

    # Row 0: 3 is small, 8 its partner. Column 0: 3 alone -> 10 (row 1); column 1: 8 alone -> 9.
    # Row 1 then holds 10 and 9 hidden (sum 19): stable.
    assert mask == [
        [True, True, False],
        [True, True, False],
        [False, False, False],
    ]
    assert attack(published_counts(counts, mask), *margins(counts)) == {}


def test_chained_interactions_across_rows_and_columns():
    counts = [
        [2, 30, 40],
        [50, 1, 60],
        [70, 80, 4],
    ]

    mask = suppress_table(counts)

    # Rows: 2 takes 30, 1 takes 50, 4 takes 70. Columns: 0 and 1 then hold two hidden cells or
    # more, but column 2 holds 4 alone, so it takes 40 — back in row 0.
    assert mask == [
        [True, True, True],
        [True, True, False],
        [True, False, True],
    ]
    assert attack(published_counts(counts, mask), *margins(counts)) == {}


def test_a_row_whose_total_is_under_min_cell_is_hidden_whole():
    counts = [
        [1, 0, 2],
        [20, 30, 40],
        [25, 35, 45],
    ]

    mask = suppress_table(counts)

    assert mask[0] == [True, True, True]
    # Each column now holds one hidden cell: its smallest other count goes with it.
    assert mask[1] == [True, True, True]
    assert mask[2] == [False, False, False]


def test_a_column_whose_total_is_under_min_cell_is_hidden_whole():
    mask = suppress_table([[20, 2], [30, 1], [40, 0]])

    assert [row[1] for row in mask] == [True, True, True]


def test_nothing_is_hidden_when_every_count_reaches_min_cell():
    assert suppress_table([[5, 6], [7, 8]]) == [[False, False], [False, False]]
    assert suppress_distribution([5, 0, 9]) == [False, False, False]


def test_unpublished_totals_need_no_partner():
    assert suppress_table([[3, 30], [40, 50]], row_totals_published=False, col_totals_published=False) == [
        [True, False],
        [False, False],
    ]


def test_a_hidden_cell_reads_less_than_min_cell():
    assert hidden_text() == "< 5"


def test_evolution_is_only_shown_where_both_editions_are_shown():
    assert evolution(42.0, 40.5) == 1.5
    assert evolution(None, 40.5) is None
    assert evolution(42.0, None) is None


def test_ragged_tables_are_refused():
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]])


# --- Properties over random tables ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_subtraction_attack_never_recovers_a_hidden_count(seed):
    rng = random.Random(seed)
    tables = [random_table(rng) for _n in range(600)]

    recovered = []
    for counts in tables:
        mask = suppress_table(counts)
        row_totals, col_totals = margins(counts)
        found = attack(published_counts(counts, mask), row_totals, col_totals, sum(row_totals))
        if found:
            recovered.append((counts, found))
        # Primary suppression always holds.
        assert all(
            hidden
            for row, hm in zip(counts, mask, strict=True)
            for c, hidden in zip(row, hm, strict=True)
            if 0 < c < MIN_CELL
        )

    assert recovered == []


@pytest.mark.parametrize("seed", [11, 12])
def test_hidden_counts_also_hide_their_percentages(seed):
    rng = random.Random(seed)

    for _n in range(1000):
        counts = random_table(rng)
        mask = suppress_table(counts)
        row_totals, col_totals = margins(counts)
        percents = published_percents(counts, mask)
        rebuilt = counts_from_percents(percents, row_totals)

        assert [[p is None for p in row] for row in percents] == mask
        assert attack(rebuilt, row_totals, col_totals) == {}


@pytest.mark.parametrize("seed", [21, 22])
def test_two_editions_side_by_side_reveal_nothing_either_edition_hides(seed):
    """Each edition is published on its own page and again as a column of the other's: the same
    mask both times (suppressed alone, with its own totals), and no evolution next to a hidden cell."""
    rng = random.Random(seed)

    for _n in range(1000):
        current = random_table(rng)
        cols = len(current[0])
        previous = [[rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 30]) for _j in range(cols)] for _row in current]
        own_page = suppress_table(previous)
        current_mask = suppress_table(current)
        # The comparison suppresses each edition independently: the same function on the same counts.
        in_comparison = suppress_table(previous)
        shown = published_counts(previous, own_page)
        also_shown = published_counts(previous, in_comparison)
        merged = [
            [a if a is not None else b for a, b in zip(r1, r2, strict=True)]
            for r1, r2 in zip(shown, also_shown, strict=True)
        ]
        evolutions = [
            [
                evolution(None if ch else c, None if ph else p)
                for c, ch, p, ph in zip(cr, cm, pr, pm, strict=True)
            ]
            for cr, cm, pr, pm in zip(current, current_mask, previous, own_page, strict=True)
        ]

        assert in_comparison == own_page
        assert attack(merged, *margins(previous)) == {}
        assert all(
            e is None
            for er, cm, pm in zip(evolutions, current_mask, own_page, strict=True)
            for e, ch, ph in zip(er, cm, pm, strict=True)
            if ch or ph
        )


@pytest.mark.parametrize("seed", [31])
def test_a_public_column_hides_the_same_cells_as_that_public_own_distribution(seed):
    """The publics side by side (column totals published, row totals not) and each public's own
    results must agree, or putting the two pages together would show what one of them hides."""
    rng = random.Random(seed)

    for _n in range(1000):
        counts = random_table(rng)
        table = suppress_table(counts, row_totals_published=False, col_totals_published=True)

        for j in range(len(counts[0])):
            column = [row[j] for row in counts]
            assert [hm[j] for hm in table] == suppress_distribution(column)


def test_the_attacker_does_recover_counts_from_the_old_rule():
    """The attack is real: hiding only cells under 5 (the old side-by-side rule) gives them back."""
    counts = [[150, 4], [120, 30]]
    old_mask = [[c < MIN_CELL for c in row] for row in counts]

    found = attack(published_counts(counts, old_mask), *margins(counts))

    assert found == {(0, 1): 4}


# --- Drawing a hidden value -------------------------------------------------------------------------


def test_a_hidden_value_is_drawn_as_an_outlined_stub_labelled_less_than_five():
    from cops.charts import Series, bar_chart

    for horizontal in (True, False):
        chart = bar_chart(
            title="Engagé(e) ?",
            categories=["Oui", "Non"],
            series=[Series("2041", [80.0, None], hidden=[False, True])],
            unit="%",
            horizontal=horizontal,
        )

        assert chart.rows == [["Oui", "80\u00a0%"], ["Non", "< 5"]]
        assert chart.svg.count('class="bar bar-hidden"') == 1
        assert ">&lt; 5</text>" in chart.svg
        assert "Non &lt; 5" in chart.svg  # the description read by screen readers says it too


def test_a_missing_value_that_is_not_hidden_still_reads_not_given():
    from cops.charts import Series, bar_chart

    chart = bar_chart(title="T", categories=["A", "B"], series=[Series("S", [3, None])])

    assert chart.rows[1] == ["B", "non renseigné"]
    assert "bar-hidden" not in chart.svg


@pytest.mark.parametrize("seed", [41, 42])
def test_hidden_cells_of_a_line_never_add_up_to_one_each(seed):
    """Hidden cells are never zeros (zeros are shown): k hidden cells adding up to k would all be 1."""
    rng = random.Random(seed)

    for _n in range(2500):
        counts = random_table(rng)
        mask = suppress_table(counts)
        rows, cols = len(counts), len(counts[0])
        lines = [[(i, j) for j in range(cols)] for i in range(rows)]
        lines += [[(i, j) for i in range(rows)] for j in range(cols)]

        for line in lines:
            if sum(counts[i][j] for i, j in line) < MIN_CELL:
                continue  # a total under MIN_CELL is not published: its line is hidden whole
            hidden = [counts[i][j] for i, j in line if mask[i][j]]
            assert not (hidden and all(hidden) and sum(hidden) == len(hidden)), (counts, line)


def test_five_hidden_ones_take_one_more_partner():
    assert suppress_distribution([1, 28, 1, 1, 1, 1]) == [True, True, True, True, True, True]
