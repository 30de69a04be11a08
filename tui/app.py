"""App wiring: settings, theme, global bindings, the boot sequence and the catalog refresh.

The app owns no catalog or selection state: the catalog lives in the core's store
(``ctx.catalogs``), the marks with the catalog screen. Workers and the store announce changes with
typed messages (``tui.widgets.messages``); the app never calls a screen back. Quitting never waits
for a worker: the loop's executor runs them in daemon threads (``DaemonExecutor``) that are abandoned.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState, get_current_worker

from .core.catalog import CatalogIndex
from .core.context import Context, KeyInfo, NoKey
from .core.errors import ApiError
from .core.models import Catalog
from .core.states import ErrorKind, KeySource
from .screens.catalog import CatalogScreen

PAINT_WAIT = 1.0
"""Seconds boot waits for the cached catalog to be painted before it starts slow work."""
CLOSE_WAIT = 0.5
"""Seconds the exit path waits for the context to close (a gateway busy importing the SDK is left)."""


class ComposioApp(App):
    TITLE = "composio-tui"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave composio-tui"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Show the keys of this screen"),
        Binding("p", "switch_profile", "Switch profile", id="app.switch_profile", show=False,
                tooltip="Switch to another profile (project or environment)"),
    ]

    def __init__(self, ctx: Context, *, boot: bool = True) -> None:
        super().__init__()
        if ctx.demo and ctx.demo_launcher is None:  # the front picks the demo; the core never imports it
            from .cli.run import demo_launcher

            ctx.demo_launcher = demo_launcher
        self.ctx = ctx
        self._boot = boot
        import threading

        self._painted = threading.Event()
        self.theme = self.initial_theme()

    # --- views of the core's state (read-only) ----------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self.ctx.catalogs.current

    @property
    def index(self) -> CatalogIndex | None:
        return self.ctx.catalogs.index

    @property
    def refreshing(self) -> bool:
        return self.ctx.catalogs.refreshing

    @property
    def offline(self) -> bool:
        return self.ctx.catalogs.offline

    @property
    def marked(self) -> list[str]:
        """The catalog screen's marks (it owns them)."""
        screen = self.catalog_screen
        return list(screen.marked) if screen is not None else []

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
            if b.system or not b.description or b.action in seen or b.action in ("quit", "help", "switch_profile"):
                continue
            seen.add(b.action)
            yield SystemCommand(f"{area}: {b.description}", b.tooltip or b.description,
                                partial(self.call_next, self.run_action, b.action, active.node))
        yield SystemCommand("sessions: Sessions created here", "List the sessions in the local ledger",
                            self.action_sessions)
        yield SystemCommand("app: Keys", "Show the keys of this screen", self.action_help)
        yield SystemCommand("profiles: Switch profile (p)", "Use another project or environment",
                            self.action_switch_profile)

    # --- boot ----------------------------------------------------------------------------

    def on_load(self) -> None:
        import asyncio

        from .core.deadline import DaemonExecutor

        asyncio.get_running_loop().set_default_executor(DaemonExecutor())

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
        """After the first frame: settings, the cached catalog, the key (or the demo API), then a refresh
        when the cache is stale. The screen is told at each step what it waits for."""
        from .core.config import ConfigError

        self.listen_rate_limits()
        ctx = self.ctx
        store = ctx.catalogs
        try:
            settings = ctx.settings
        except ConfigError as exc:
            store.fail(f"{exc}. Fix it, then restart composio-tui.")
            return
        try:
            if ctx.profiles.profiles and not ctx.demo:
                ctx.profile  # noqa: B018 - resolved here (reads the config file), not on the UI thread
                self.call_from_thread(self._profiles_ready)
        except ApiError as exc:  # a bad [profiles.NAME] table or an unknown --profile
            store.fail(exc.line())
            return
        if settings.keymap:
            self.call_from_thread(self.set_keymap, settings.keymap)
        if settings.debug_log:
            from .core.debuglog import enable

            enable(ctx.paths.debug_log)
        cached = store.cached()  # in demo mode too: before the embedded API starts
        if cached is not None and cached.toolkits:
            self._painted.wait(PAINT_WAIT)  # let the cached rows reach the screen before slow imports
        if ctx.demo:
            store.waiting("Starting the embedded demo API…")
        elif not ctx.key.present:
            store.waiting("Looking up the API key (environment, then the keyring)…")
        try:
            ctx.connect()  # env, memory, then keyring behind one 3 s deadline; or the demo API
        except NoKey as exc:
            self.call_from_thread(self.need_key, exc.found.message, exc.found.state.usable)
            return
        except ApiError as exc:
            store.fail(exc.line())
            return
        except Exception as exc:  # a port or data problem: say it, keep the UI alive
            store.fail(f"The embedded demo API did not start: {exc}")
            return
        if not store.is_fresh(cached):
            self.call_from_thread(self.refresh_catalog)
        # The SDK is not warmed in the background: its import starves the event loop of the GIL for
        # seconds (typed keys are lost meanwhile). Browsing uses the read path; the first session
        # action loads the SDK while its own "working…" state is on screen.

    def catalog_painted(self) -> None:
        """The catalog screen has painted a catalog (boot may go on with slow work)."""
        self._painted.set()

    def need_key(self, reason: str, keyring_usable: bool = True, note: str = "") -> None:
        """No usable key: the login screen takes over; the cached catalog stays browsable behind it."""
        from .screens.login import LoginScreen

        if any(isinstance(s, LoginScreen) for s in self.screen_stack):
            return
        where = self.ctx.base_url
        if self._profiles_bound and not self.ctx.profile.implicit:  # whose key this will be (issue 16)
            where = f"{where} (profile {self.ctx.profile.name})"
        screen = LoginScreen(where, reason=reason, keyring_note=note, keyring_usable=keyring_usable)
        self.push_screen(screen, callback=self._logged_in)

    def _logged_in(self, info: KeyInfo | None) -> None:
        if info is None:
            self.ctx.catalogs.fail("No API key: browsing the cached catalog only. Set COMPOSIO_API_KEY or run "
                                   "`composio-tui login`.")
            return
        self.notify(f"Key accepted: {info.describe()}", timeout=4)
        self.refresh_catalog(force=True)

    # --- catalog ---------------------------------------------------------------------------

    def refresh_catalog(self, force: bool = False) -> None:
        if self.refreshing and not force:
            return
        self.ctx.catalogs.refreshing = True
        self.fetch_catalog()

    @work(thread=True, exclusive=True, group="catalog", exit_on_error=False, description="catalog refresh")
    def fetch_catalog(self) -> None:
        """The store fetches, saves and announces (CatalogChanged / CatalogFailed reach the screen)."""
        worker = get_current_worker()
        try:
            self.ctx.catalogs.refresh(cancelled=lambda: worker.is_cancelled)
        except ApiError as err:
            self.call_from_thread(self._catalog_failed, err)

    def _catalog_failed(self, err: ApiError) -> None:
        key = self.ctx.key
        if err.kind == ErrorKind.AUTH and err.status == 401 and not self.ctx.demo and \
                key.source in (KeySource.KEYRING, KeySource.MEMORY):
            self.need_key(f"The {key.source} key ({key.masked}) stopped working: {err.line()}")

    # --- global actions -----------------------------------------------------------------

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for failures nobody caught: a message, never a traceback."""
        if event.state == WorkerState.ERROR:
            err = event.worker.error
            what = event.worker.description or event.worker.name or "background task"
            text = err.line() if isinstance(err, ApiError) else f"{type(err).__name__}: {err}"
            self.notify(f"{what} failed: {text}", severity="error", timeout=10, markup=False)

    # --- profiles (issue 16) ----------------------------------------------------------------

    shown_profile: reactive[object | None] = reactive(None, always_update=True)
    """The profile every header shows (a ``tui.core.profiles.Profile``), or None: no profiles are
    configured, the run names a base URL instead, or the demo. ``ProfileStrip`` watches it."""

    @property
    def profiles_configured(self) -> bool:
        return self._profiles_bound

    _profiles_bound = False

    def _profiles_ready(self) -> None:
        """Profiles are configured and this run's profile is resolved: the headers show it."""
        self._profiles_bound = True
        prof = self.ctx.profile
        self.shown_profile = None if self.ctx.demo or prof.implicit else prof
        if self.catalog_screen is not None:
            self.catalog_screen.update_topbar()

    def profile_badge(self) -> str:
        """The header's profile mark and a separator, or "" when no profile is in use (no profiles)."""
        from .widgets.profile_strip import mark

        prof = self.shown_profile
        return "" if prof is None else mark(prof) + " · "

    def writable(self, action: str) -> bool:
        """The console's one write guard (``tui.screens.guard.writes`` calls it before a confirm, a
        form or a request): False, with one message naming the profile, when the profile is read-only.
        The core's ``Gateway.require_writable`` stays the last line behind it."""
        from .core.profiles import ReadOnlyProfile

        try:
            self.ctx.require_writable(action, hint="press p to switch profile")
        except ReadOnlyProfile as exc:
            self.notify(exc.line(), severity="warning", timeout=6, markup=False)
            return False
        return True

    def action_switch_profile(self) -> None:
        if not self._profiles_bound:
            where = "The demo uses no profiles" if self.ctx.demo else "No profiles are configured"
            self.notify(f"{where}; add one with `composio-tui profiles add NAME --base-url URL` "
                        "(see the README's Profiles section).", markup=False)
            return
        from .screens.profiles import ProfileScreen

        self.push_screen(ProfileScreen(self.ctx.profiles, self.ctx.profile.name), callback=self.switch_profile)

    async def switch_profile(self, name: str | None) -> None:
        """Swap key, catalog store, ledger view and screens: the old profile's workers are cancelled
        (a catalog read checks between pages) and its gateway dropped before anything else starts, and
        every screen goes back to a fresh catalog screen (no screen keeps the old profile's data)."""
        if not name or name == self.ctx.profile.name:
            return
        self.workers.cancel_all()
        try:
            chosen = self.ctx.switch_profile(name)
        except ApiError as exc:
            self.notify(exc.line(), severity="error", markup=False)
            return
        self.shown_profile = chosen
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        self._painted.clear()
        await self.switch_screen(CatalogScreen())
        self.notify(f"Profile {chosen.title}: {chosen.base_url}", timeout=4, markup=False)
        self.boot()

    def on_unmount(self) -> None:
        """Close the context without waiting on a worker that holds it (e.g. the SDK import)."""
        from .core.deadline import call_quickly

        getattr(self, "_unlisten_rate", lambda: None)()
        call_quickly(self.ctx.close, CLOSE_WAIT)

    # --- rate limits (issue 10) ---

    def listen_rate_limits(self) -> None:
        """While requests wait for the API's rate limit, say so: "waiting for the rate limit (N s)"."""
        from .core import ratelimit

        def waiting(seconds: float, origin: str) -> None:
            # From any thread: notify only posts a message, and posting is thread-safe. (Not
            # call_from_thread: it waits on the loop, and once the app has stopped it left a coroutine
            # never awaited.)
            try:
                self.notify(ratelimit.message(seconds), severity="warning",
                            timeout=max(2.0, min(seconds, 10.0)), markup=False)
            except RuntimeError:  # the app's event loop is closed
                pass

        self._unlisten_rate = ratelimit.listen(waiting)
