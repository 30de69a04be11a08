"""The console's table keeps its header in step with its columns (tui/widgets/table.py).

Deterministic: the test paints the header itself before the table measures its new rows, then runs
the table's idle measurement and reads the header again without letting any other message through:
exactly the frame that once showed a header narrower than its rows in a users-screen snapshot.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.widgets import DataTable

from tui.widgets.table import Table


class OneTable(App):
    def __init__(self, kind: type[DataTable]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self):
        yield self.kind()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Session", "State")


async def header_after_rows_are_measured(kind: type[DataTable]) -> tuple[str, str]:
    app = OneTable(kind)
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        table.clear()
        table.add_row("trs_w0MZOqSCJNVi", "active")
        table.render_line(0)  # a frame painted before the table's idle: the header with the old widths
        await table._on_idle(events.Idle())  # the table measures the new row and widens its columns
        return table.render_line(0).text, table.render_line(1).text


async def test_the_header_follows_the_columns_once_new_rows_are_measured():
    header, row = await header_after_rows_are_measured(Table)
    assert header.index("State") == row.index("active"), (header, row)


async def test_plain_datatable_keeps_the_stale_header_which_is_why_table_exists():
    # If Textual fixes this, this test fails: then tui/widgets/table.py can go.
    header, row = await header_after_rows_are_measured(DataTable)
    assert header.index("State") != row.index("active"), (header, row)
