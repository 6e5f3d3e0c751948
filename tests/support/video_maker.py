"""Real videos for the tests and the bench, encoded here with PyAV (FFmpeg) from frames drawn
with Pillow: three scenes of two seconds each (a red card, a green card, then a white card with
a phone number printed on it), at 10 frames a second."""

from __future__ import annotations

import io
from pathlib import Path

PHONE = "+44 7911 123456"
E164 = "+447911123456"
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
SCENE_S = 2.0


def _frame(t: float, size: tuple[int, int], phone: str) -> object:
    from PIL import Image, ImageDraw, ImageFont

    scene = min(2, int(t // SCENE_S))
    base = (320, 240)
    if scene == 2:
        image = Image.new("RGB", base, (255, 255, 255))
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(FONT, 26) if Path(FONT).exists() else ImageFont.load_default(26)
        draw.text((12, 70), "WhatsApp", font=font, fill=(0, 0, 0))
        draw.text((12, 120), phone, font=font, fill=(0, 0, 0))
    else:
        colour = [(200, 40, 40), (40, 150, 60)][scene]
        image = Image.new("RGB", base, colour)
        draw = ImageDraw.Draw(image)
        x = 30 + scene * 120
        draw.ellipse((x, 50, x + 110, 160), fill=(255, 255, 255))
        draw.rectangle((10, 190, 310, 225), fill=(20, 20, 20))
    return image.resize(size) if size != base else image


def make_video(
    seconds: float = 6.0,
    *,
    start: float = 0.0,
    fps: int = 10,
    codec: str = "mpeg4",
    size: tuple[int, int] = (320, 240),
    phone: str = PHONE,
    container: str = "mp4",
) -> bytes:
    """An mp4 of ``seconds`` of the three scenes, beginning ``start`` seconds in (a trim)."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as video:
        stream = video.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        first = round(start * fps)
        for i in range(first, first + round(seconds * fps)):
            frame = av.VideoFrame.from_image(_frame(i / fps, size, phone))
            for packet in stream.encode(frame):
                video.mux(packet)
        for packet in stream.encode():
            video.mux(packet)
    return out.getvalue()
