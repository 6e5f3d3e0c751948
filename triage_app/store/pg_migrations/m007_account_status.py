"""PostgreSQL migration 7: the partial index of each account's decided posts (SQLite:
migrations/m007_account_status.py)."""

VERSION = 7

SQL = """
CREATE INDEX posts_account_decided ON posts(account_id, status) WHERE status <> 'new';
"""
