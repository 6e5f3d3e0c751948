"""Video figures (issue 15), picked up by tests/perf/bench.py; needs no store:

    python tests/perf/bench.py --only video

A minute of phone video (720x1280, 30 frames a second, H.264, a scene change every 6 s and
something moving in every scene, the last scene a card with a phone number) is encoded here
with PyAV, then read as the enrichment reads it (core/video.py: decode, sample, key frames,
perceptual hashes), from memory. Reported: seconds of work per minute of video, for the key
frames alone and with OCR of each key frame (core/ocr.py), on one core."""

from __future__ import annotations

import io
import time
from typing import Any

SECONDS = 60
FPS = 30
SIZE = (720, 1280)  # width, height: a phone held upright


def make_minute(seconds: int = SECONDS, fps: int = FPS) -> bytes:
    import av
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    width, height = SIZE
    rng = np.random.default_rng(15)
    scenes = []
    for n in range(seconds // 6 + 1):
        base = Image.new("RGB", SIZE, tuple(int(c) for c in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(base)
        for _ in range(6):
            x, y = int(rng.integers(0, width - 200)), int(rng.integers(0, height - 200))
            draw.rectangle(
                (x, y, x + 200, y + 150), fill=tuple(int(c) for c in rng.integers(0, 255, 3))
            )
        if n == seconds // 6:
            font = ImageFont.truetype("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", 64)
            draw.rectangle((0, 500, width, 760), fill=(255, 255, 255))
            draw.text((40, 540), "WhatsApp", font=font, fill=(0, 0, 0))
            draw.text((40, 640), "+44 7911 123456", font=font, fill=(0, 0, 0))
        scenes.append(np.asarray(base))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as video:
        stream = video.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(seconds * fps):
            frame = scenes[min(len(scenes) - 1, i // (6 * fps))].copy()
            y = (i * 7) % (height - 100)
            frame[y : y + 100, 40:240] = 255  # something moving
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                video.mux(packet)
        for packet in stream.encode():
            video.mux(packet)
    return out.getvalue()


def measure_video(b: Any) -> None:
    from triage_app.core.ocr import OcrUnavailable, engine, read_image
    from triage_app.core.video import read_video

    data = make_minute()
    minutes = SECONDS / 60
    started = time.perf_counter()
    info = read_video(io.BytesIO(data))
    frames_s = time.perf_counter() - started
    b.add(
        "video key-frame extraction, seconds per minute of video (720x1280 H.264, 30 fps)",
        frames_s / minutes,
        "s/min",
        "-",
        None,
        f"{len(info.frames)} key frames from {SECONDS} s, {len(data) / 1e6:.1f} MB, "
        "FFmpeg decoding threads: auto",
    )
    try:
        engine()
    except OcrUnavailable:
        return
    started = time.perf_counter()
    for frame in info.frames:
        read_image(frame.jpeg, ["eng"])
    ocr_s = time.perf_counter() - started
    b.add(
        "video key frames with OCR, seconds per minute of video",
        (frames_s + ocr_s) / minutes,
        "s/min",
        "-",
        None,
        f"OCR {ocr_s:.1f} s for {len(info.frames)} key frames (tesseract eng)",
    )


MEASUREMENTS = {"video": measure_video}


if __name__ == "__main__":

    class _Print:
        def add(self, name: str, value: float, unit: str, *rest: Any) -> None:
            print(f"{name}: {value:.2f} {unit} ({rest[-1]})")

    measure_video(_Print())
