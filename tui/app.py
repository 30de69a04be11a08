"""App wiring: settings, theme, global bindings, the boot sequence and the catalog refresh."""

from __future__ import annotations

import time
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from .core import catalog as catalog_mod
from .core.catalog import CatalogIndex
from .core.context import Context
from .core.errors import AUTH, ApiError
from .core.models import Catalog
from .screens.catalog import CatalogScreen


class ComposioApp(App):
    TITLE = "composio-tui"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave composio-tui"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show the keys of this screen"),
    ]

    def __init__(self, ctx: Context, *, boot: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.catalog: Catalog = Catalog(base_url=ctx.cache_id)
        self.index: CatalogIndex | None = None
        self.marked: list[str] = []
        self.refreshing = False
        self.offline = False
        self._boot = boot
        self.theme = self.initial_theme()

    def initial_theme(self) -> str:
        """An explicit setting (CLI, env, file) wins; otherwise the theme chosen last time."""
        from .core import state

        paths = self.ctx.paths
        if self.ctx.settings_loaded:
            settings = self.ctx.settings
            wanted = settings.theme if "theme" in settings.model_fields_set else None
            wanted = wanted or state.read(paths.state_file).get("theme")
        else:
            wanted = state.first_frame_theme(paths.config_file, paths.state_file, self.ctx.overrides.get("theme"))
        return wanted if wanted in self.available_themes else "textual-dark"

    def _theme_changed(self, theme) -> None:
        from .core import state

        state.remember(self.ctx.paths.state_file, theme=theme.name)

    def get_system_commands(self, screen):
        """The palette offers every binding of the current screen, namespaced, plus the app's own."""
        from functools import partial

        from textual.app import SystemCommand

        yield from super().get_system_commands(screen)
        area = type(screen).__name__.removesuffix("Screen").lower() or "app"
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if b.system or not b.description or b.action in seen or b.action in ("quit", "help"):
                continue
            seen.add(b.action)
            yield SystemCommand(f"{area}: {b.description}", b.tooltip or b.description,
                                partial(self.call_next, self.run_action, b.action, active.node))
        yield SystemCommand("sessions: Sessions created here", "List the sessions in the local ledger",
                            self.action_sessions)
        yield SystemCommand("app: Keys", "Show the keys of this screen", self.action_help)

    # --- selection (shared by screens) --------------------------------------------------

    @property
    def marked_set(self) -> set[str]:
        return set(self.marked)

    def toggle_mark(self, slug: str) -> bool:
        if slug in self.marked:
            self.marked.remove(slug)
            return False
        self.marked.append(slug)
        return True

    def clear_marks(self) -> None:
        self.marked.clear()

    # --- boot ----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.push_screen(CatalogScreen())
        if self._boot:
            self.call_after_refresh(self.boot)

    @property
    def catalog_screen(self) -> CatalogScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, CatalogScreen):
                return screen
        return None

    @work(thread=True, exclusive=True, group="boot", exit_on_error=False, description="start")
    def boot(self) -> None:
        """After the first frame: settings, cached catalog, the key, then a refresh when stale."""
        from .core.config import ConfigError

        ctx = self.ctx
        try:
            settings = ctx.settings
        except ConfigError as exc:
            self.call_from_thread(self.fail, f"{exc}. Fix it, then restart composio-tui.")
            return
        if settings.keymap:
            self.call_from_thread(self.set_keymap, settings.keymap)
        if settings.debug_log:
            from .core.debuglog import enable

            enable(ctx.paths.debug_log)
        if ctx.demo:
            try:
                ctx.start_demo()
            except Exception as exc:  # a port or data problem: say it, keep the UI alive
                self.call_from_thread(self.fail, f"The embedded demo API did not start: {exc}")
                return
        cached = catalog_mod.load(ctx.cache_dir, ctx.cache_id)
        if cached is not None and cached.toolkits:
            self.call_from_thread(self.set_catalog, cached)
        if not ctx.demo and not ctx.key.key:
            found = ctx.resolve_key()  # env, memory, then keyring behind a 3 s deadline
            if not found.key:
                self.call_from_thread(self.need_key, found.message, found.state in ("ok", "missing"))
                return
        self.call_from_thread(self.update_status)
        stale = cached is None or (time.time() - cached.fetched_at) > ctx.settings.catalog_max_age * 60
        if stale:
            self.call_from_thread(self.refresh_catalog)
            return
        try:  # warm the SDK (a 2-5 s import) now, so the first action on a cached catalog is quick
            ctx.gateway._composio()  # house: becomes ctx.gateway.warm()
        except ApiError:
            pass

    def need_key(self, reason: str, keyring_usable: bool = True, note: str = "") -> None:
        """No usable key: the login screen takes over; the cached catalog stays browsable behind it."""
        from .screens.login import LoginScreen

        if any(isinstance(s, LoginScreen) for s in self.screen_stack):
            return
        screen = LoginScreen(self.ctx.base_url, reason=reason, keyring_note=note, keyring_usable=keyring_usable)
        self.push_screen(screen, callback=self._logged_in)

    def _logged_in(self, info) -> None:
        if info is None:
            self.fail("No API key: browsing the cached catalog only. Set COMPOSIO_API_KEY or run `composio-tui login`.")
            return
        self.ctx.use_key(info)
        self.notify(f"Key accepted: {info.describe()}", timeout=4)
        self.update_status()
        self.refresh_catalog(force=True)

    def fail(self, message: str) -> None:
        self.notify(message, severity="error", timeout=10, markup=False)
        screen = self.catalog_screen
        if screen is not None:
            screen.show_error(message)

    def update_status(self) -> None:
        screen = self.catalog_screen
        if screen is not None:
            screen.update_topbar()

    # --- catalog ---------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.index = CatalogIndex(catalog.toolkits)
        known = self.index.slugs
        self.marked = [s for s in self.marked if s in known]
        screen = self.catalog_screen
        if screen is not None:
            screen.catalog_changed()
            screen.update_selection()

    def refresh_catalog(self, force: bool = False) -> None:
        if self.refreshing and not force:
            return
        self.refreshing = True
        self.update_status()
        self.fetch_catalog()

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False, description="catalog refresh")
    def fetch_catalog(self) -> None:
        started = time.monotonic()
        try:
            catalog = self.ctx.gateway.fetch_catalog(page_size=self.ctx.settings.page_size)
        except ApiError as err:
            self.call_from_thread(self._catalog_failed, err)
            return
        catalog.base_url = self.ctx.cache_id
        try:
            catalog_mod.save(catalog, self.ctx.cache_dir)
        except OSError as exc:
            self.call_from_thread(self.notify, f"Could not write the catalog cache: {exc}", severity="warning")
        self.call_from_thread(self._catalog_loaded, catalog, time.monotonic() - started)

    def _catalog_loaded(self, catalog: Catalog, seconds: float) -> None:
        self.refreshing = False
        self.offline = False
        self.set_catalog(catalog)
        self.notify(f"Catalog: {len(catalog.toolkits):,} toolkits in {seconds:.1f} s", timeout=3)

    def _catalog_failed(self, err: ApiError) -> None:
        self.refreshing = False
        self.offline = err.kind != AUTH
        self.update_status()
        self.fail(err.line())
        if err.kind == AUTH and err.status == 401 and not self.ctx.demo and self.ctx.key.source in ("keyring", "memory"):
            self.need_key(f"The {self.ctx.key.source} key ({self.ctx.key.masked}) stopped working: {err.line()}")

    # --- global actions -----------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def action_new_session(self) -> None:
        from .screens.new_session import NewSessionScreen

        if not self.marked:
            self.notify("Mark at least one toolkit with space first.", severity="warning")
            return
        if self.index is None:
            self.notify("The catalog is not loaded yet: slugs are checked against it.", severity="warning")
            return
        try:
            recent = self.ctx.ledger.recent_user_ids(base_url=self.ctx.base_url)
        except Exception as exc:  # a broken ledger must not block creating sessions silently
            self.notify(str(exc), severity="error", timeout=10, markup=False)
            return
        self.push_screen(NewSessionScreen(list(self.marked), recent), callback=self._session_created)

    def _session_created(self, info) -> None:
        from .screens.session import SessionScreen

        if info is None:
            return
        self.notify(f"Session {info.session_id} created for {info.user_id}.", timeout=4, markup=False)
        self.push_screen(SessionScreen(info, created=True))

    def action_sessions(self) -> None:
        from .screens.sessions import SessionsScreen

        self.push_screen(SessionsScreen())

    def copy_text(self, text: str, what: str, secret: bool = False) -> None:
        """The one clipboard path: OSC 52 (works over SSH); the text always stays on screen too."""
        import os

        self.copy_to_clipboard(text)
        if os.environ.get("TMUX"):
            hint = "In tmux it reaches your terminal only with `set -g set-clipboard on`."
        else:
            hint = "Nothing pasted? Your terminal may block OSC 52 clipboard writes."
        warn = " It contains your API key: paste it only somewhere private." if secret else ""
        self.notify(f"Copied the {what} via OSC 52. {hint}{warn}", timeout=6, markup=False,
                    severity="warning" if secret else "information")

    def delete_session(self, info, after=None) -> None:
        """Ask, then delete remotely; ``after(state)`` runs with "deleted" or "gone"."""
        from .screens.confirm import ConfirmScreen

        def answered(ok: bool | None) -> None:
            if ok:
                self._delete(info, after)

        self.push_screen(ConfirmScreen(f"Delete the session of {info.user_id}?",
                                       f"{info.session_id} stops working for every client that uses it. "
                                       "This cannot be undone.", yes="Delete"), callback=answered)

    @work(thread=True, group="delete", exit_on_error=False, description="delete session")
    def _delete(self, info, after) -> None:
        from .core import sessions

        try:
            deleted = sessions.delete(self.ctx.gateway, self.ctx.ledger, info.session_id)
        except ApiError as err:
            self.call_from_thread(self.notify, f"Not deleted: {err.line()}", severity="error", markup=False)
            return
        state = "deleted" if deleted else "gone"
        text = (f"Deleted the session of {info.user_id}." if deleted else
                f"The session of {info.user_id} was already deleted elsewhere; marked gone.")
        self.call_from_thread(self.notify, text, markup=False)
        if after is not None:
            self.call_from_thread(after, state)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failures nobody caught: a message, never a traceback."""
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            what = event.worker.description or event.worker.name or "background task"
            text = err.line() if isinstance(err, ApiError) else f"{type(err).__name__}: {err}"
            self.notify(f"{what} failed: {text}", severity="error", timeout=10, markup=False)

    def on_unmount(self) -> None:
        self.ctx.close()
