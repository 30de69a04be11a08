"""An Input that keeps a paste whole. Textual's Input keeps only the first line of a paste, which
would silently turn a pasted "alice\\nbob" into "alice"; here the whole text goes in, so the form's
own check (``check_user_id``) refuses the line break by position, as it refuses any control character.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class WholePasteInput(Input):
    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(event.text)
            else:
                self.replace(event.text, *selection)
        event.stop()
        event.prevent_default()  # else Input's own handler inserts the first line again
