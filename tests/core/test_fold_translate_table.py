"""fold() looks characters up in a wider table than fold_table() (search_normal's
_translate_table: the common blocks mapped to themselves, which makes str.translate twice as
fast); its result must be exactly the plain table's, for every character."""

from __future__ import annotations

from triage_app.core import search_normal
from triage_app.core.search_normal import fold, fold_table

SURROGATES = range(0xD800, 0xE000)


def _every_character() -> str:
    return "".join(chr(cp) for cp in range(1, 0x110000) if cp not in SURROGATES)


def test_fold_is_the_plain_tables_translation_for_every_character():
    text = _every_character()
    assert fold(text) == text.translate(fold_table())
    # each character alone too (a multi-character fold or a removal beside its neighbours)
    for cp in list(fold_table()) + [0x41, 0x627, 0x1F600, 0x10FFFF]:
        ch = "\u00e9" + chr(cp)  # non-ASCII, so the table is used
        assert fold(ch) == ch.translate(fold_table()), hex(cp)


def test_the_wider_table_keeps_every_fold_and_adds_only_identities():
    wide = search_normal._translate_table()
    table = fold_table()
    for cp, to in wide.items():
        if cp in table:
            assert to == table[cp], hex(cp)
        else:
            assert to == cp, hex(cp)
    assert set(table) <= set(wide)
