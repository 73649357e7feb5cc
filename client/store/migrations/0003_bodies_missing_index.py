"""Schema version 3: an index of the messages whose body is not stored yet.

Two sync questions read it: "is any body missing?" (a no-change resync asks it of every folder
before deciding not to open it) and "which bodies are missing, newest first?" (the body
download's list). Without it both scanned every message row of the folder: 41 ms at 100,000
messages for a question whose answer is usually "no". Partial (WHERE has_body = 0), so once a
folder's bodies are all stored its part of the index is empty and the question is one probe.
date and internal_date ride along so the "last N days" policy is answered from the index
alone (max(date, internal_date) >= since), without reading the rows it rules out; has_body is
a key column although always 0 there, because SQLite (3.40) counts a column the query names as
covered only when the index stores it, and the WHERE has_body = 0 the query must repeat to use
a partial index would otherwise read every row it finds.

Never edit a released migration: add 0004_*.py instead, and freeze
tests/client/store/fixtures/schema_v3.sql beside it (tests/client/store/test_migrate.py).
"""

SQL = """
CREATE INDEX IF NOT EXISTS messages_without_body
ON messages (folder_id, has_body, uid, date, internal_date) WHERE has_body = 0;
"""
