"""The console's one table: Textual's DataTable, with a header that always follows its columns.

Textual (8.2) measures new rows on the table's idle and widens the columns then, but a line it has
already painted (the header, painted before the rows were measured) stays in its line cache until a
later Resize message bumps the cache key. A frame composed in between shows the header narrower than
the rows beneath it, and nothing repaints it (seen once in a users-screen snapshot). Moving the cache
key on as soon as the dimensions are recomputed closes that window. Every table in the console is one.
"""

from __future__ import annotations

from textual.widgets import DataTable


class Table(DataTable):
    """A DataTable whose cached lines go stale the moment its column widths are recomputed."""

    def _update_dimensions(self, new_rows) -> None:  # Textual's hook, run on idle after rows change
        super()._update_dimensions(new_rows)
        self._update_count += 1  # the key of every render cache: what Textual's own Resize does later
        self.refresh()
