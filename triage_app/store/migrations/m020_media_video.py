"""Migration 20: what was read from videos (PyAV, core/video.py), one row per video file.

``media_video`` holds the video's duration, picture size and codec, or why it could not be read
('failed', with a one-line ``detail``), and ``transcript``: the words spoken in it when an export
carried them (a caption file beside the video, a TikTok ``voice_to_text``); no speech-to-text
is run here. ``video_frames`` holds its key frames: the time in the video, a 64-bit perceptual
hash (clusters of re-uploaded clips; ``flat``: a nearly uniform picture, a black or white
card, whose hash says nothing and is not compared), the frame as a JPEG (inside the store,
so as encrypted as the store is) and what OCR read in it. ``indicators.media_time`` says
where in the video an indicator was read (seconds; NULL for pictures and post text)."""

VERSION = 20

SQL = """
CREATE TABLE media_video (
    media_id    INTEGER PRIMARY KEY REFERENCES media(id),
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    status      TEXT NOT NULL CHECK (status IN ('read', 'failed')),
    duration    REAL,
    width       INTEGER,
    height      INTEGER,
    codec       TEXT,
    detail      TEXT,
    transcript  TEXT,
    transcript_source TEXT,
    read_at     TEXT NOT NULL
);
CREATE INDEX media_video_post ON media_video(post_id);
CREATE TABLE video_frames (
    id          INTEGER PRIMARY KEY,
    media_id    INTEGER NOT NULL REFERENCES media(id),
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    seconds     REAL NOT NULL,
    reason      TEXT NOT NULL,
    phash       TEXT NOT NULL,
    flat        INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    jpeg        BLOB NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    confidence  REAL
);
CREATE INDEX video_frames_media ON video_frames(media_id, seconds);
CREATE INDEX video_frames_post ON video_frames(post_id);
ALTER TABLE indicators ADD COLUMN media_time REAL;
"""
