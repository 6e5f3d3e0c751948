"""Migration 21: links between accounts, and posts that return after a takedown.

``account_links`` holds one row per thing two accounts share (store/networks.py): a phone
number, a messaging link or group, a payment handle, an e-mail address (``value`` is the
indicator's normal form), or a near-duplicate text or picture (``value`` is "POST~POST", the two
posts found alike). ``a < b`` so a pair is stored once; ``weight`` is the kind's weight when the
link was made. Networks are the connected parts of this graph; the table grows after each
import and sync (meta ``networks_upto`` marks the last post looked at).

``returning_posts`` marks a post whose account shares a link with an account already taken
down, or referred and still live, with the plain-words reason shown in its priority."""

VERSION = 21

SQL = """
CREATE TABLE account_links (
    a          INTEGER NOT NULL REFERENCES accounts(id),
    b          INTEGER NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    weight     REAL NOT NULL,
    post_id    INTEGER,
    CHECK (a < b),
    PRIMARY KEY (a, b, kind, value)
) WITHOUT ROWID;
CREATE INDEX account_links_b ON account_links(b, a);
CREATE INDEX account_links_value ON account_links(kind, value);

CREATE TABLE returning_posts (
    post_id        INTEGER PRIMARY KEY REFERENCES posts(id),
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    linked_account INTEGER NOT NULL REFERENCES accounts(id),
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    why            TEXT NOT NULL CHECK (why IN ('taken_down', 'referred')),
    on_date        TEXT,
    reason         TEXT NOT NULL
);
CREATE INDEX returning_posts_account ON returning_posts(account_id);
"""
