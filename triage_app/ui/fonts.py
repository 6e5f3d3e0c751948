"""Emoji in posts (flags, boats, phones) drawn in colour instead of empty boxes.

Adverts lean on emoji: 🚤 🇬🇧 📞 carry meaning. Qt draws them with the fonts it finds; when the
font fallback has no emoji font, each is an empty box. At start the window names the emoji
fonts installed on this machine to Qt (Debian: ``fonts-noto-color-emoji``), so that Qt uses
them for every emoji sequence whatever the text font. With none installed nothing changes and
the text still shows (as boxes where the glyphs are missing); the README names the package."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase

# Colour emoji fonts by preference (Linux, macOS, Windows, others).
EMOJI_FAMILIES = (
    "Noto Color Emoji",
    "Apple Color Emoji",
    "Segoe UI Emoji",
    "Twemoji",
    "Twitter Color Emoji",
    "JoyPixels",
    "EmojiOne Color",
    "Noto Emoji",
    "Symbola",
)
DEBIAN_PACKAGE = "fonts-noto-color-emoji"


def installed_emoji_families() -> list[str]:
    """The emoji fonts from EMOJI_FAMILIES that this machine has."""
    have = {family.lower(): family for family in QFontDatabase.families()}
    return [have[name.lower()] for name in EMOJI_FAMILIES if name.lower() in have]


def install_emoji_fallback() -> list[str]:
    """Make Qt draw emoji with the installed emoji fonts; returns them ([] when none is)."""
    families = installed_emoji_families()
    if families:
        current = list(QFontDatabase.applicationEmojiFontFamilies())
        QFontDatabase.setApplicationEmojiFontFamilies(
            families + [f for f in current if f not in families]
        )
    return families
