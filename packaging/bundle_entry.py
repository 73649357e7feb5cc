"""The bundle's entry point: PyInstaller freezes this script into the `kittiwake` executable."""

from kittiwake.ui.launch import main

raise SystemExit(main())
