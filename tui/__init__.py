"""composio-tui: a terminal console for Composio's Tool Router."""

__version__ = "0.1.0"
