"""Textual-free core of composio-tui: gateway, catalog, ledger, secrets, export, probe, config.

Nothing under ``tui.core`` may import ``textual``; only ``tui.core.gateway`` imports ``composio``.
"""
