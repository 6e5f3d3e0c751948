"""Videos read with PyAV (the ``av`` wheel bundles FFmpeg): duration, picture size and codec,
and a few key frames, each with a perceptual hash.

The video comes as a readable, seekable binary stream (an encrypted evidence copy decrypted on
the fly, store/evidence_crypto.py): nothing decoded is written to disk.

Key frames: frames are looked at about ``SAMPLE_FPS`` times a second (scaled down to a 32x32
grey thumbnail); a frame is kept when the picture changed a lot since the last kept one (a
scene change: mean absolute difference of the thumbnails at least ``SCENE_CHANGE``), or when
``EVERY_S`` seconds went by without one, or it is the first. At most ``MAX_FRAMES`` per video
(past that, the kept frames are thinned evenly, always keeping the first). Each kept frame
gets the 64-bit ``imagehash.phash`` of its picture, the same hash the pictures of posts get
(core/similarity.py), so a re-uploaded clip, trimmed or re-encoded, has frames within a few
bits of the original's."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import IO, Any

SAMPLE_FPS = 4.0
SCENE_CHANGE = 18.0  # mean absolute grey difference (0-255) of 32x32 thumbnails
EVERY_S = 3.0
MAX_FRAMES = 20
MAX_SIDE = 1280  # key frames kept at most this wide or high
JPEG_QUALITY = 85
FLAT_STD = 6.0  # grey standard deviation under which a frame is a plain card
MAX_DECODE_S = 60 * 60  # stop looking after an hour of video
MAX_PIXELS = 60_000_000  # larger pictures are refused (as the image viewer does)


class VideoUnreadable(Exception):
    """PyAV could not read the file (the message is one line)."""


@dataclass
class KeyFrame:
    seconds: float
    reason: str  # 'first', 'scene', 'interval'
    phash: str
    jpeg: bytes
    width: int
    height: int
    flat: bool = False  # a nearly uniform picture (black card): its hash says nothing


@dataclass
class VideoInfo:
    duration: float | None
    width: int
    height: int
    codec: str
    frames: list[KeyFrame] = field(default_factory=list)


def read_video(
    stream: IO[bytes],
    *,
    max_frames: int = MAX_FRAMES,
    every_s: float = EVERY_S,
    scene_change: float = SCENE_CHANGE,
) -> VideoInfo:
    """Duration, size, codec and key frames of a video (see the module's doc)."""
    import av
    import imagehash
    import numpy as np

    try:
        container = av.open(stream, mode="r")
    except Exception as exc:  # av.error.* and others: one line for the person
        raise VideoUnreadable(_one_line(exc)) from exc
    try:
        if not container.streams.video:
            raise VideoUnreadable("the file has no video stream")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        ctx = video.codec_context
        codec = str(ctx.name or "")
        if int(ctx.width or 0) * int(ctx.height or 0) > MAX_PIXELS:
            raise VideoUnreadable(f"its pictures are too large ({ctx.width}x{ctx.height})")
        duration: float | None = None
        if video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        kept: list[tuple[float, str, Any]] = []
        last_thumb: Any = None
        last_kept_t = -1e9
        next_sample = 0.0
        last_t = 0.0
        try:
            for frame in container.decode(video):
                t = float(frame.time) if frame.time is not None else last_t
                last_t = t
                if t > MAX_DECODE_S:
                    break
                if t + 1e-6 < next_sample:
                    continue
                next_sample = t + 1.0 / SAMPLE_FPS
                # scaled by FFmpeg: the whole picture is converted only for the frames kept
                small = frame.reformat(width=32, height=32, format="gray")
                thumb = np.asarray(small.to_ndarray(), dtype=np.int16)[:32, :32]
                reason = ""
                if last_thumb is None:
                    reason = "first"
                elif float(np.abs(thumb - last_thumb).mean()) >= scene_change:
                    reason = "scene"
                elif t - last_kept_t >= every_s:
                    reason = "interval"
                if reason:
                    kept.append((t, reason, frame.to_image()))
                    last_thumb = thumb
                    last_kept_t = t
        except Exception as exc:
            if not kept:
                raise VideoUnreadable(_one_line(exc)) from exc
            # a damaged tail: keep what was read before it
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if duration is None and kept:
            duration = last_t
    finally:
        container.close()
    if not kept:
        raise VideoUnreadable("no picture could be decoded from the video")
    frames = [
        _key_frame(t, reason, image, imagehash) for t, reason, image in _thin(kept, max_frames)
    ]
    return VideoInfo(duration, width, height, codec, frames)


def _thin(kept: list[tuple[float, str, Any]], cap: int) -> list[tuple[float, str, Any]]:
    if len(kept) <= cap:
        return kept
    if cap <= 1:
        return kept[:1]
    step = (len(kept) - 1) / (cap - 1)
    return [kept[round(i * step)] for i in range(cap)]


def _key_frame(t: float, reason: str, image: Any, imagehash: Any) -> KeyFrame:
    import numpy as np
    from PIL import Image

    rgb = image.convert("RGB")
    flat = float(np.asarray(rgb.convert("L").resize((32, 32))).std()) < FLAT_STD
    if max(rgb.size) > MAX_SIDE:
        rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=JPEG_QUALITY)
    phash = str(imagehash.phash(rgb))
    return KeyFrame(round(t, 3), reason, phash, out.getvalue(), rgb.width, rgb.height, flat)


def _one_line(exc: BaseException) -> str:
    # FFmpeg's errors carry an errno and the file's name: the reason alone is what a person reads
    reason = getattr(exc, "strerror", None)
    if isinstance(reason, str) and reason.strip():
        return reason.strip()[:300]
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message[:300]


def format_time(seconds: float | None) -> str:
    """0:12, 1:05:09: where in a video."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
