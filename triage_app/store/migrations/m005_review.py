"""Migration 5: supervisor review — blind second reviews, and the indexes that keep the
statistics and the review queue fast on a store of a million posts."""

VERSION = 5

SQL = """
-- One row per sampled post: the first analyst's tags are kept here, hidden from the second
-- reviewer until that reviewer has answered; an answer can never be changed afterwards.
CREATE TABLE blind_reviews (
    id          INTEGER PRIMARY KEY,
    uuid        TEXT NOT NULL UNIQUE,
    sample_id   TEXT NOT NULL,
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    analyst     TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    first_tags  TEXT NOT NULL,
    sampled_by  TEXT NOT NULL,
    sampled_at  TEXT NOT NULL,
    second_tags TEXT,
    reviewed_at TEXT,
    UNIQUE (post_id, analyst, reviewer)
);
CREATE INDEX blind_reviews_reviewer ON blind_reviews(reviewer, reviewed_at);
CREATE INDEX blind_reviews_analyst ON blind_reviews(analyst, reviewed_at);
CREATE TRIGGER blind_reviews_answer_once BEFORE UPDATE ON blind_reviews
WHEN old.second_tags IS NOT NULL BEGIN
    SELECT RAISE(ABORT, 'a blind review answer cannot be changed');
END;
CREATE TRIGGER blind_reviews_no_delete BEFORE DELETE ON blind_reviews BEGIN
    SELECT RAISE(ABORT, 'blind reviews are kept');
END;

-- Statistics: referrals per account, takedowns per date, decisions per day, tags per analyst.
CREATE INDEX referral_items_account ON referral_items(account_id, referral_id);
CREATE INDEX outcomes_outcome_account ON outcomes(outcome, account_id, on_date);
CREATE INDEX decisions_at_actor ON decisions(at, actor);
CREATE INDEX post_tags_actor ON post_tags(actor, post_id);
"""
