"""The catalog table: one row per toolkit, a mark column for the selection."""

from __future__ import annotations

from rich.text import Text
from .table import Table

from ..core.models import Toolkit
from .cells import cell

MARK = "●"
COLUMNS = (("mark", " "), ("name", "Name"), ("slug", "Slug"), ("categories", "Category"),
           ("auth", "Auth"), ("tools", "Tools"))


class ToolkitTable(Table):
    """DataTable keyed by slug. Rebuilt on each filter change (debounced by the screen)."""

    DEFAULT_CSS = """
    ToolkitTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.shown: list[Toolkit] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, toolkits: list[Toolkit], marked: set[str]) -> None:
        current = self.current_slug
        self.shown = toolkits
        self.clear()
        self.add_rows(
            (
                MARK if t.slug in marked else " ",
                cell(_clip(t.name, 18)),
                cell(t.slug),
                cell(_first(tuple(c.name for c in t.categories), 14), "dim"),
                cell(_first(("none",) if t.no_auth else t.auth_schemes, 10)),
                Text(str(t.tools_count), justify="right"),
            )
            for t in toolkits
        )
        # add_rows gives generated keys; remember the row order by index instead.
        if current:
            for i, t in enumerate(toolkits):
                if t.slug == current:
                    self.move_cursor(row=i, animate=False)
                    break

    @property
    def current(self) -> Toolkit | None:
        if not self.shown or self.cursor_row < 0 or self.cursor_row >= len(self.shown):
            return None
        return self.shown[self.cursor_row]

    @property
    def current_slug(self) -> str | None:
        tk = self.current
        return tk.slug if tk else None

    def set_mark(self, row: int, marked: bool) -> None:
        if 0 <= row < self.row_count:
            self.update_cell_at((row, 0), MARK if marked else " ")

    def refresh_marks(self, marked: set[str]) -> None:
        with self.app.batch_update():
            for i, t in enumerate(self.shown):
                self.update_cell_at((i, 0), MARK if t.slug in marked else " ")


def _first(values: tuple[str, ...], width: int) -> str:
    """The first value and how many more: "OAUTH2 +1"."""
    if not values:
        return "—"
    more = f" +{len(values) - 1}" if len(values) > 1 else ""
    return _clip(values[0], width - len(more)) + more


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
