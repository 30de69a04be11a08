"""The main screen: browse, search, filter and select toolkits.

It owns the mark selection. It listens to the core while mounted (the catalog store and the key)
and turns their announcements into typed messages to itself; while anything loads, the state line
says what it waits for and how far it got (pages, count).
"""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import get_current_worker

from ..core import catalog as catalog_mod
from ..core.catalog import ALPHA, USAGE, CatalogIndex
from ..core.errors import ApiError
from ..core.models import Toolkit
from ..widgets.footer import Footer
from ..widgets.messages import (
    CatalogChanged,
    CatalogFailed,
    CatalogProgress,
    CatalogWaiting,
    KeyChanged,
    catalog_message,
)
from ..widgets.toolkit_detail import ToolkitDetail
from ..widgets.toolkit_table import ToolkitTable
from .guard import writes

SEARCH_DEBOUNCE = 0.12
DETAIL_DEBOUNCE = 0.25
SERVER_SEARCH_MIN = 2


class CatalogScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="catalog.search", tooltip="Search toolkits as you type"),
        Binding("escape", "back", "Back", id="catalog.back", show=False),
        Binding("space", "toggle_mark", "Mark", id="catalog.mark", tooltip="Mark or unmark the toolkit"),
        Binding("n", "new_session", "New session", id="catalog.new_session",
                tooltip="Create a Tool Router session for the marked toolkits"),
        Binding("s", "sessions", "Sessions", id="catalog.sessions", tooltip="Sessions created from here"),
        Binding("u", "users", "Users", id="catalog.users", show=False,
                tooltip="Users: their sessions and connected accounts"),
        Binding("c", "focus_category", "Category", id="catalog.category", show=False,
                tooltip="Filter by category"),
        Binding("o", "toggle_order", "Sort", id="catalog.sort", show=False, tooltip="Sort by usage or A–Z"),
        Binding("r", "refresh", "Refresh", id="catalog.refresh", tooltip="Fetch the catalog again"),
        Binding("x", "clear_marks", "Clear marks", id="catalog.clear", show=False),
        Binding("i", "open_detail", "Details", id="catalog.detail", show=False,
                tooltip="Details of the toolkit (enter too)"),
        Binding("a", "activity", "Activity", id="catalog.activity", show=False,
                tooltip="What every user's agent did: tool executions, live"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order = USAGE
        self.category: str | None = None
        self._search_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._tools_cache: dict[str, list] = {}
        self._extra_cache: dict = {}
        self._server_hits: list[Toolkit] = []
        self.marked: list[str] = []
        self._unsubscribe: list = []

    def compose(self) -> ComposeResult:
        yield Static("", id="topbar")
        with Horizontal(id="filters"):
            yield Input(placeholder="/ search toolkits (slug, name, description, category)", id="search",
                        max_length=catalog_mod.MAX_QUERY)
            yield Select[str]([], prompt="All categories", id="category", allow_blank=True)
            yield Static("usage", id="order")
        with Horizontal(id="body"):
            with Vertical(id="listing"):
                yield ToolkitTable(id="toolkits")
                yield Static("Loading the catalog…", id="state")
            yield ToolkitDetail(id="detail")
        yield Static("", id="selection")
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx
        self._unsubscribe = [ctx.catalogs.subscribe(lambda event: self.post_message(catalog_message(event))),
                             ctx.on_key_change(lambda key: self.post_message(KeyChanged(key)))]
        self.query_one(ToolkitTable).focus()
        self.update_selection()
        self.update_topbar()
        if self.index is not None:
            self.catalog_changed()
            self.call_after_refresh(self.app.catalog_painted)
        self.set_interval(30, self.update_topbar)  # keeps "updated N min ago" true

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    # --- data in ----------------------------------------------------------------------

    @property
    def index(self) -> CatalogIndex | None:
        return self.app.ctx.catalogs.index

    def on_catalog_changed(self, message: CatalogChanged) -> None:
        event = message.event
        self.catalog_changed()
        self.call_after_refresh(self.app.catalog_painted)
        if event.cache_error:
            self.notify(f"Could not write the catalog cache: {event.cache_error}", severity="warning")
        if event.seconds:
            self.notify(f"Catalog: {event.count:,} toolkits in {event.seconds:.1f} s", timeout=3)

    def on_catalog_waiting(self, message: CatalogWaiting) -> None:
        self.update_topbar()
        self.show_waiting(message.text)

    def on_catalog_progress(self, message: CatalogProgress) -> None:
        total = f" of {message.total:,}" if message.total else ""
        self.show_waiting(f"Loading the catalog… page {message.pages}, {message.count:,}{total} toolkits")

    def on_catalog_failed(self, message: CatalogFailed) -> None:
        self.update_topbar()
        self.notify(message.text, severity="error", timeout=10, markup=False)
        self.show_error(message.text)

    def on_key_changed(self, message: KeyChanged) -> None:
        self.update_topbar()

    def show_waiting(self, text: str) -> None:
        """What the screen waits for, in place of the table while there is no catalog to show."""
        if self.index is None or len(self.index) == 0:
            state = self.query_one("#state", Static)
            state.update(escape(text))
            state.display = True

    def catalog_changed(self) -> None:
        """A catalog (cached or fresh) is available: options, filter, marks, bars."""
        cat = self.app.catalog
        known = self.index.slugs if self.index is not None else frozenset()
        self.marked = [s for s in self.marked if s in known]
        select = self.query_one("#category", Select)
        options = [(c.name, c.id) for c in sorted(cat.categories, key=lambda c: c.name.casefold())]
        current = self.category
        select.set_options(options)
        if current and any(v == current for _, v in options):
            select.value = current
        self.apply_filter()
        self.update_topbar()
        self.update_selection()

    def update_topbar(self) -> None:
        app = self.app
        cat = app.catalog
        count = f"{len(cat.toolkits):,} toolkits" if cat and cat.toolkits else "no catalog yet"
        age = catalog_mod.age_text(cat.fetched_at) if cat else ""
        busy = "  [b]refreshing…[/b]" if app.refreshing else ""
        where = "demo API" if app.ctx.demo else (app.ctx.base_url if app.ctx.settings_loaded else "…")
        key = app.ctx.key
        key_text = f"key {key.masked} ({key.short})" if key.present else "no key"
        # What changes goes first, so a narrow terminal cuts the long, stable part (the URL) instead.
        self.query_one("#topbar", Static).update(
            f"[b]composio-tui[/b] · {app.profile_badge()}{count} · {age}{busy} · {escape(key_text)} · {escape(where)}"
        )

    def show_error(self, message: str) -> None:
        """An error with no catalog to show: replace the table with the message."""
        state = self.query_one("#state", Static)
        if self.index is None or len(self.index) == 0:
            state.update(f"[$error]{escape(message)}[/]\n\nPress r to try again.")
            state.display = True
            self.query_one(ToolkitTable).display = False

    # --- filtering --------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self.apply_filter)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.apply_filter()
        self.query_one(ToolkitTable).focus()

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        self.category = None if event.value is Select.BLANK else str(event.value)
        self.apply_filter()

    def current_query(self) -> str:
        return self.query_one("#search", Input).value

    def apply_filter(self) -> None:
        index = self.index
        table = self.query_one(ToolkitTable)
        state = self.query_one("#state", Static)
        if index is None:
            return
        query = self.current_query()
        matches = index.search(query, category=self.category, order=self.order)
        extra = [t for t in self._server_hits if t.slug not in index.slugs] if query else []
        table.show(matches + extra, set(self.marked))
        table.display = bool(matches or extra)
        if table.display and self.focused is None:
            table.focus()
        if not matches and not extra:
            what = f"No toolkit matches “{escape(query)}”" if query else "No toolkits"
            if self.category:
                what += " in this category"
            state.update(f"{what}.\n[dim]Esc clears the search; the server is asked too when the catalog has no match.[/dim]")
        state.display = not table.display
        self.query_one("#order", Static).update("A–Z" if self.order == ALPHA else "usage")
        if query and not matches and len(query.strip()) >= SERVER_SEARCH_MIN and not self.app.offline:
            self.server_search(query)
        self.schedule_detail()

    @work(thread=True, exclusive=True, group="server-search", exit_on_error=False)
    def server_search(self, query: str) -> None:
        """Ask the server for what the local catalog lacks; drop the answer if the query moved on."""
        try:
            items, _, _ = self.app.ctx.gateway.toolkit_page(search=query, limit=50)
        except ApiError:
            return
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._server_results, query, items)

    def _server_results(self, query: str, items: list[Toolkit]) -> None:
        if query != self.current_query() or self.index is None:
            return
        fresh = [t for t in items if t.slug not in self.index.slugs]
        if fresh:
            self._server_hits = fresh
            self.apply_filter()
            self.notify(f"{len(fresh)} more from the server's search", timeout=3)

    # --- detail -----------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self.schedule_detail()

    def schedule_detail(self) -> None:
        detail = self.query_one(ToolkitDetail)
        tk = self.query_one(ToolkitTable).current
        if tk is None:
            detail.show(None)
            return
        if tk.slug == detail.slug:
            return
        detail.show(tk, self._extra_cache.get(tk.slug))
        if tk.slug in self._tools_cache:
            detail.show_tools(tk.slug, self._tools_cache[tk.slug])
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DEBOUNCE, lambda: self.load_tools(tk.slug))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_tools(self, slug: str) -> None:
        try:  # the read path: browsing never loads the SDK
            with self.app.ctx.reader() as reader:
                tools = reader.tools(slug)
                extra = reader.toolkit_detail(slug)
        except ApiError as err:
            self.app.call_from_thread(self.query_one(ToolkitDetail).show_tools, slug, None, err.line())
            return
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._tools_loaded, slug, tools, extra)

    def _tools_loaded(self, slug: str, tools: list, extra) -> None:
        self._tools_cache[slug] = tools
        self._extra_cache[slug] = extra
        detail = self.query_one(ToolkitDetail)
        tk = self.index.get(slug) if self.index else None
        if tk is not None and detail.slug == slug:
            detail.show(tk, extra)
            detail.show_tools(slug, tools)

    # --- selection --------------------------------------------------------------------

    def update_selection(self) -> None:
        marked = self.marked
        bar = self.query_one("#selection", Static)
        if not marked:
            bar.update("[dim]No toolkits marked — space marks the highlighted one.[/dim]")
            return
        bar.update(f"[b]Selected ({len(marked)})[/b]: {escape(', '.join(marked))}   [dim]n: new session · x: clear[/dim]")

    # --- actions ----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        # At once, not deferred like Widget.focus(): keys typed right after "/" must land in the field.
        self.set_focus(self.query_one("#search", Input))

    def action_focus_category(self) -> None:
        self.query_one("#category", Select).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
            self._server_hits = []
            self.apply_filter()
        self.query_one(ToolkitTable).focus()

    def action_toggle_mark(self) -> None:
        table = self.query_one(ToolkitTable)
        tk = table.current
        if tk is None:
            return
        marked = tk.slug not in self.marked
        if marked:
            self.marked.append(tk.slug)
        else:
            self.marked.remove(tk.slug)
        table.set_mark(table.cursor_row, marked)
        self.update_selection()
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_clear_marks(self) -> None:
        self.marked.clear()
        self.query_one(ToolkitTable).refresh_marks(set())
        self.update_selection()

    def action_toggle_order(self) -> None:
        self.order = USAGE if self.order == ALPHA else ALPHA
        self.apply_filter()
        self.notify(f"Sorted by {'name (A–Z)' if self.order == ALPHA else 'usage'}", timeout=2)

    def action_refresh(self) -> None:
        self.app.refresh_catalog(force=True)

    @on(DataTable.RowSelected)
    def action_open_detail(self) -> None:
        """Enter or i: the details as a screen of their own (the side pane is hidden when narrow)."""
        from .toolkit import ToolkitScreen

        tk = self.query_one(ToolkitTable).current
        if tk is not None:
            self.app.push_screen(ToolkitScreen(tk, self._extra_cache.get(tk.slug), self._tools_cache.get(tk.slug)))

    @writes("creating a session")
    def action_new_session(self) -> None:
        from .new_session import NewSessionScreen

        if not self.marked:
            self.notify("Mark at least one toolkit with space first.", severity="warning")
            return
        if self.index is None:
            self.notify("The catalog is not loaded yet: slugs are checked against it.", severity="warning")
            return
        ctx = self.app.ctx
        try:
            recent = ctx.ledger.recent_user_ids(base_url=ctx.base_url)
        except Exception as exc:  # a broken ledger must not block creating sessions silently
            self.notify(str(exc), severity="error", timeout=10, markup=False)
            return
        self.app.push_screen(NewSessionScreen(list(self.marked), recent), callback=self._session_created)

    def _session_created(self, info) -> None:
        from .session import SessionScreen

        if info is None:
            return
        self.notify(f"Session {info.session_id} created for {info.user_id}.", timeout=4, markup=False)
        self.app.push_screen(SessionScreen(info, created=True))

    def action_sessions(self) -> None:
        self.app.action_sessions()

    # --- activity ---
    def action_activity(self) -> None:
        from .activity import ActivityScreen

        self.app.push_screen(ActivityScreen())

    def action_users(self) -> None:  # users and connections
        from .users import UsersScreen

        self.app.push_screen(UsersScreen())
