"""Cells of the CSV and XLSX exports, safe against formula injection.

A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return before one, which
some software strips) as a formula: `=HYPERLINK(…)` in a structure's name would become a link
that sends the data elsewhere. Every export writes its text cells through `neutralise`, which
prefixes such a cell with an apostrophe so it is shown as typed. Numbers stay numbers.
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """The value to write in a cell: formula-like text prefixed with an apostrophe, anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
