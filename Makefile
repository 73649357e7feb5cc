# Developer shortcuts. The two set-up commands live in ./bootstrap (see README.md).
PYTHON ?= .venv/bin/python
TYPECHECK_TREE = build/typecheck

.PHONY: test lint typecheck format clean bundle install-desktop uninstall-desktop screenshots

test:
	./bootstrap test

lint:
	$(PYTHON) -m ruff check client ui tests benchmarks
	$(PYTHON) -m ruff format --check client ui tests benchmarks

typecheck:
	PYTHON=$(PYTHON) tools/typecheck

format:
	$(PYTHON) -m ruff format client ui tests benchmarks
	$(PYTHON) -m ruff check --fix client ui tests benchmarks

clean:
	rm -rf build dist .venv *.egg-info .mypy_cache .ruff_cache

# A one-folder PyInstaller bundle in build/bundle/<key>/dist/kittiwake/ (reused if up to date).
bundle:
	$(PYTHON) packaging/build_bundle.py

# The .desktop file, metainfo and icons into $$XDG_DATA_HOME (~/.local/share), run from .venv.
install-desktop:
	$(PYTHON) packaging/install_desktop.py --exec "$(abspath .venv/bin/kittiwake)"

uninstall-desktop:
	$(PYTHON) packaging/install_desktop.py --uninstall

# docs/screenshots/*.png (README, metainfo): the app on a generated mailbox, under xvfb-run when
# there is no display (Debian package xvfb; ./bootstrap test installs it). Needs Dovecot.
screenshots:
	$(PYTHON) tools/screenshots.py
