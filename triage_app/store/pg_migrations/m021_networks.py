"""PostgreSQL migration 21: links between accounts, and posts that return after a takedown
(SQLite: migrations/m021_networks.py)."""

VERSION = 21

SQL = """
CREATE TABLE account_links (
    a          bigint NOT NULL REFERENCES accounts(id),
    b          bigint NOT NULL REFERENCES accounts(id),
    kind       text NOT NULL,
    value      text NOT NULL,
    weight     double precision NOT NULL,
    post_id    bigint,
    CHECK (a < b),
    PRIMARY KEY (a, b, kind, value)
);
CREATE INDEX account_links_b ON account_links(b, a);
CREATE INDEX account_links_value ON account_links(kind, value);

CREATE TABLE returning_posts (
    post_id        bigint PRIMARY KEY REFERENCES posts(id),
    account_id     bigint NOT NULL REFERENCES accounts(id),
    linked_account bigint NOT NULL REFERENCES accounts(id),
    kind           text NOT NULL,
    value          text NOT NULL,
    why            text NOT NULL CHECK (why IN ('taken_down', 'referred')),
    on_date        text,
    reason         text NOT NULL,
    rowid          bigint GENERATED ALWAYS AS (post_id) STORED
);
CREATE INDEX returning_posts_account ON returning_posts(account_id);
"""
