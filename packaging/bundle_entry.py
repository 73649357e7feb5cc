"""The bundle's entry point: PyInstaller freezes this script into the `kittiwake` executable."""

import multiprocessing

from kittiwake.ui.launch import run

if __name__ == "__main__":
    # The full-text indexer extracts text in "spawn" worker processes; in a frozen bundle a
    # worker is this same executable, and freeze_support() turns it into the worker (and
    # exits) instead of starting a second Kittiwake.
    multiprocessing.freeze_support()
    run()
