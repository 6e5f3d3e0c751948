"""docs/formats.md lists every WhatsApp placeholder, attachment marker, deletion, notice and
12-hour word recognised, per language, exactly as whatsapp_words.py holds them (issue 13).

The list between the markers in docs/formats.md is generated from the tables: after changing
them, run ``python -m tests.ingest.test_whatsapp_docs`` to rewrite it."""

from __future__ import annotations

from pathlib import Path

from triage_app.ingest.formats import whatsapp_words as words

DOC = Path(__file__).resolve().parents[2] / "docs" / "formats.md"
BEGIN = "<!-- whatsapp-words: generated from whatsapp_words.py, do not edit by hand -->"
END = "<!-- whatsapp-words: end -->"
NAMES = {
    "en": "English", "ar": "Arabic", "fa": "Persian", "ckb": "Kurdish (Sorani)",
    "kmr": "Kurdish (Kurmanji)", "tr": "Turkish", "fr": "French", "it": "Italian",
    "es": "Spanish", "pt": "Portuguese", "de": "German", "ru": "Russian", "cs": "Czech",
    "ja": "Japanese", "th": "Thai", "sq": "Albanian", "am": "Amharic", "ti": "Tigrinya",
    "nl": "Dutch", "id": "Indonesian",
}  # fmt: skip


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def generated() -> str:
    out = [BEGIN, ""]
    for lang, name in NAMES.items():
        media = [f"{_code(t)} ({k})" for lg, t, k in words.MEDIA_PLACEHOLDERS if lg == lang]
        attached = [_code(f"<{w}: file>") for lg, w in words.ATTACHED_WORDS if lg == lang]
        attached += [_code(f"file.jpg ({w})") for lg, w in words.FILE_ATTACHED if lg == lang]
        deleted = [_code(t) for lg, t in words.DELETED if lg == lang]
        notices = [f"{k}: {_code(t)}" for lg, k, t in words.NOTICES if lg == lang]
        out.append(f"- **{name}** (`{lang}`)")
        for label, items in (
            ("media placeholders", media),
            ("attachment markers", attached),
            ("deleted messages", deleted),
            ("system notices", notices),
        ):
            if items:
                out.append(f"  - {label}: " + "; ".join(items))
    after = ", ".join(_code(w) for w in words.DAY_PERIODS_AFTER)
    before = ", ".join(_code(w) for w in words.DAY_PERIODS_BEFORE)
    out += [
        "",
        f"12-hour clock words after the time: {after}; before the time: {before}.",
        "",
        END,
    ]
    return "\n".join(out)


def _block(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def test_formats_md_lists_every_phrase_recognised() -> None:
    assert _block(DOC.read_text(encoding="utf-8")) == generated(), (
        "docs/formats.md is out of date: run python -m tests.ingest.test_whatsapp_docs"
    )
    covered = {lg for lg, *_ in words.MEDIA_PLACEHOLDERS} | {lg for lg, _ in words.DELETED}
    assert covered <= set(NAMES)


if __name__ == "__main__":
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text.replace(_block(text), generated()), encoding="utf-8")
    print(f"rewrote the WhatsApp phrase list in {DOC}")
