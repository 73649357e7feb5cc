"""pytest plugin: fixtures for the real mail servers (filled in by the servers engineer)."""
