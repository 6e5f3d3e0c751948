"""Names people read for the language codes the store keeps (ISO 639-1 or 639-3, as the exports
and the language detector give them): "Central Kurdish (Sorani)" rather than ``ckb``.

The codes stay what is stored, searched and typed (``triage queue --language ckb``); only what is
shown changes. A code not in the table is shown as it is."""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {
    "am": "Amharic",
    "ar": "Arabic",
    "arz": "Egyptian Arabic",
    "apc": "Levantine Arabic",
    "ary": "Moroccan Arabic",
    "bn": "Bengali",
    "ckb": "Central Kurdish (Sorani)",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian (Farsi)",
    "fr": "French",
    "ha": "Hausa",
    "hi": "Hindi",
    "it": "Italian",
    "ku": "Kurdish",
    "kmr": "Northern Kurdish (Kurmanji)",
    "ln": "Lingala",
    "nl": "Dutch",
    "om": "Oromo",
    "pa": "Punjabi",
    "pl": "Polish",
    "prs": "Dari",
    "ps": "Pashto",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sdh": "Southern Kurdish",
    "so": "Somali",
    "sq": "Albanian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "ti": "Tigrinya",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "uz": "Uzbek",
    "vi": "Vietnamese",
    "wo": "Wolof",
    "zh": "Chinese",
}


def language_name(code: str | None) -> str:
    """'Tigrinya' for ``ti``; an unknown code as it is; 'unknown' for none."""
    if not code:
        return "unknown"
    base = code.strip()
    name = LANGUAGE_NAMES.get(base.lower()) or LANGUAGE_NAMES.get(
        base.lower().replace("_", "-").split("-")[0]
    )
    return name or base


def language_label(code: str | None) -> str:
    """'Tigrinya (ti)': the name with the code, so either can be recognised."""
    if not code:
        return "unknown"
    name = language_name(code)
    return name if name == code else f"{name} ({code})"
