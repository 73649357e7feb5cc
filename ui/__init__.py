"""The Kittiwake desktop app (PySide6). Importable as kittiwake.ui.

Importing this package must not import Qt: the launcher decides whether the GUI is needed.
"""
