"""Migration 7: an index of the decided posts of each account.

The preview's account card counts an account's tagged and referred posts every time a post is
shown. Without an index on the status that meant visiting every post of the account (54 ms
for the most prolific demo account, 51,000 posts). This index holds only posts that are no
longer new, by account and status, so those counts are short range seeks, and imports (which
add new posts) do not maintain it. ``posts_account`` stays: it gives an account's posts newest
first (the same-account pivot) and its total straight off the index."""

VERSION = 7

SQL = """
CREATE INDEX posts_account_decided ON posts(account_id, status) WHERE status <> 'new';
"""
