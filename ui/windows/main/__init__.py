"""The main window's parts: folder pane, list pane, preview, status bar, actions, tray."""
