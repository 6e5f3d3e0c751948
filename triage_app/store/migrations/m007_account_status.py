"""Migration 7: posts indexed by (account, status) instead of account alone.

The preview's account card counts an account's posts, tagged posts and referred posts every
time a post is shown. With the status in the index those counts are read from the index alone
(the tagged and referred ones as short range seeks), not by visiting every post row: for the
most prolific demo account (51,000 posts) 54 ms became a few milliseconds. The old index was a
prefix of the new one, so every query that used it still has an index."""

VERSION = 7

SQL = """
CREATE INDEX posts_account_status ON posts(account_id, status);
DROP INDEX posts_account;
"""
