"""Language detection for posts that arrive without a language.

Two steps, because a general model is weakest exactly where this work needs it most:

1. Script shortcuts. Ethiopic-script text is Tigrinya or Amharic (told apart by a handful of
   very common words and letters each uses and the other rarely does). Arabic-script text is
   told apart by letters: Sorani Kurdish writes ە ێ ۆ ڵ ڕ (no other language here uses them),
   Urdu ے ں ٹ ڈ ڑ, Pashto ښ ږ ځ څ ټ; Persian writes پ چ ژ گ and the Persian ی ک where Arabic
   writes ي ك and ة. When the letters settle it, no model is run.
2. Otherwise py3langid (a maintained fork of langid.py; its model ships inside the wheel, so
   nothing is downloaded at run time), restricted to the languages seen in this work.

Limits (documented in docs/indicators.md): very short texts (fewer than 3 letters-words) get no
language; Sorani written in Latin script, Kurmanji and Arabizi (Arabic in Latin letters) are
usually reported as some Latin-script language; Arabic dialects all come out as ``ar``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Languages the model may answer with (codes of py3langid's model).
MODEL_LANGUAGES = (
    "en",
    "fr",
    "de",
    "it",
    "es",
    "pt",
    "nl",
    "sq",
    "tr",
    "vi",
    "ar",
    "fa",
    "ur",
    "ps",
    "ku",
    "am",
    "so",
    "ru",
    "uk",
    "pl",
    "ro",
    "el",
    "bg",
    "sr",
    "hr",
    "bs",
    "mk",
    "hi",
    "bn",
    "zh",
    "om",
    "sw",
    "ha",
    "id",
    "ms",
    "tl",
    "sv",
    "da",
    "no",
    "fi",
    "cs",
    "sk",
)

SAMPLE_CHARS = 600  # enough to tell a language; longer texts only cost time

_ETHIOPIC = re.compile("[\u1200-\u137f]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_OR_OTHER_WORD = re.compile(r"[^\W\d_]{2,}")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN = re.compile("[\u0600-\u06ff\u0750-\u077f\u1200-\u137f\ufb50-\ufdff\ufe70-\ufeff]")
_SORANI = re.compile("[\u06d5\u06ce\u06c6\u06b5\u0695]")  # ە ێ ۆ ڵ ڕ
_URDU = re.compile("[\u06d2\u06ba\u0679\u0688\u0691]")  # ے ں ٹ ڈ ڑ
_PASHTO = re.compile("[\u069a\u0696\u0681\u0685\u067c]")  # ښ ږ ځ څ ټ
_PERSIAN = re.compile("[\u067e\u0686\u0698\u06af\u06cc\u06a9]")  # پ چ ژ گ ی ک
_ARABIC_ONLY = re.compile("[\u064a\u0643\u0629\u0649]")  # ي ك ة ى
# Tigrinya: ኣ (Amharic writes አ), ናይ "of", እዩ "is", ኣብ "in", ዝ- relative prefix.
_TIGRINYA = re.compile("ኣ|ናይ|እዩ|ኢዩ|ኣብ|ኢኻ|ክንደይ|ብዙሕ|ዘሎ")
_AMHARIC = re.compile("አ|ነው|የ|ናቸው|እና|ውስጥ|ምን|ብዙ|ያለ")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    known = set(identifier.nb_classes)
    identifier.set_languages([code for code in MODEL_LANGUAGES if code in known])
    return identifier


def _arabic_script(text: str) -> str | None:
    sorani = len(_SORANI.findall(text))
    if sorani >= 2:
        return "ckb"
    if len(_PASHTO.findall(text)) >= 2:
        return "ps"
    if len(_URDU.findall(text)) >= 2:
        return "ur"
    persian = len(_PERSIAN.findall(text))
    arabic = len(_ARABIC_ONLY.findall(text))
    if persian > arabic:
        return "fa"
    if arabic > persian:
        return "ar"
    return None


def detect_language(text: str) -> str | None:
    """The ISO 639 code of the text's language (``ckb`` for Sorani, ``ti`` for Tigrinya), or
    None when the text is too short to tell."""
    sample = text[:SAMPLE_CHARS]
    if not sample or len(_LATIN_OR_OTHER_WORD.findall(sample)) < 3:
        return None
    if _NON_LATIN.search(sample) is None:
        return str(_identifier().classify(sample)[0])
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return None
    ethiopic = len(_ETHIOPIC.findall(sample))
    if ethiopic * 2 >= letters:
        ti = len(_TIGRINYA.findall(sample))
        am = len(_AMHARIC.findall(sample))
        return "ti" if ti > am else "am"
    if len(_ARABIC.findall(sample)) * 2 >= letters:
        by_letters = _arabic_script(sample)
        if by_letters:
            return by_letters
    return str(_identifier().classify(sample)[0])
