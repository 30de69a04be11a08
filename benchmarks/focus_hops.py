"""Focus moves on a screen shaped like the console's forms: the console's Footer vs Textual's own.

Each run mounts six inputs and a footer with eleven keys, then moves the focus 100 times (tab), as an
operator does through a form; the keys shown do not change. Baseline in the same run: the same app with
Textual's Footer, which rebuilds itself after every focus move. Prints the CPU seconds of each and the
ratio (goal: the console's footer at most half the baseline's cost).

    uv run python benchmarks/focus_hops.py
"""

from __future__ import annotations

import asyncio
import time

from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets import Input

from tui.widgets.footer import Footer

HOPS = 100
KEYS = [Binding(f"f{i}", f"noop('{i}')", f"Action {i}") for i in range(1, 11)]


class Form(App):
    BINDINGS = KEYS

    def __init__(self, footer: type[TextualFooter]) -> None:
        super().__init__()
        self.footer = footer

    def compose(self):
        for i in range(6):
            yield Input(placeholder=f"field {i}")
        yield self.footer()

    def action_noop(self, _name: str) -> None:
        pass


async def hops(footer: type[TextualFooter]) -> float:
    app = Form(footer)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        started = time.process_time()
        for _ in range(HOPS):
            await pilot.press("tab")
        await pilot.pause()
        return time.process_time() - started


def main() -> None:
    asyncio.run(hops(Footer))  # warm: imports and the first CSS parse are not what is measured
    baseline = min(asyncio.run(hops(TextualFooter)) for _ in range(3))
    ours = min(asyncio.run(hops(Footer)) for _ in range(3))
    print(f"{HOPS} focus moves, best of 3: Textual's Footer {baseline:.2f} s CPU, "
          f"the console's Footer {ours:.2f} s CPU; ratio {ours / baseline:.2f} (goal <= 0.5)")


if __name__ == "__main__":
    main()
