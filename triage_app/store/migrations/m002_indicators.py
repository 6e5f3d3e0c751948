"""Migration 2: indicators pulled out of posts, near-duplicate signatures, LSH buckets, clusters.

Why these shapes (see docs/indicators.md):
- ``indicators`` is looked up by value for the "same phone / link / handle" pivot, so the
  index is (kind, value, post_id): a pivot reads the newest matches straight off the index.
- ``text_signatures`` keeps each post's MinHash signature so that a new post can be compared
  with an older one without re-reading and re-shingling its text.
- ``lsh_buckets`` holds, for every LSH band key ever seen, the first post that produced it (its
  representative). A new post looks up its few band keys by primary key and is compared only
  with those representatives: bounded work per post however large the store grows.
- ``clusters`` holds only groups of two or more posts; ``posts.cluster_id`` (migration 1) is
  NULL for a post with no near-duplicate. A cluster's id is the smallest post id in it, so ids
  stay stable when newer posts join.
"""

VERSION = 2

SQL = """
CREATE TABLE indicators (
    id      INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    raw     TEXT NOT NULL,
    start   INTEGER NOT NULL,
    end     INTEGER NOT NULL
);
CREATE INDEX indicators_value ON indicators(kind, value, post_id);
CREATE INDEX indicators_post ON indicators(post_id);

CREATE TABLE text_signatures (
    post_id   INTEGER PRIMARY KEY REFERENCES posts(id),
    signature BLOB NOT NULL
);

-- key: a 64-bit LSH band key (text bands and image-hash bands live in disjoint key spaces).
CREATE TABLE lsh_buckets (
    key     INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL
);

CREATE TABLE clusters (
    id   INTEGER PRIMARY KEY,
    size INTEGER NOT NULL
);
"""
