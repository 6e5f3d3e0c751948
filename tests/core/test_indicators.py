"""Indicator extraction: phones to E.164, messaging links, handles, URLs, prices, lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_app.core.errors import TriageError
from triage_app.core.indicators import (
    Indicator,
    extract_indicators,
    load_lexicon,
    normalise_phone,
)


def values(text: str, kind: str, **kwargs: object) -> list[str]:
    return [i.value for i in extract_indicators(text, **kwargs) if i.kind == kind]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "regions", "expected"),
    [
        ("call +44 7911 123456 now", None, "+447911123456"),
        ("call 0044 7911 123 456 now", None, "+447911123456"),
        ("call +44 (0) 7911 123456", None, "+447911123456"),
        ("UK: 07911 123456", ["GB"], "+447911123456"),
        ("FR: 06.12.34.56.78", ["FR"], "+33612345678"),
        ("IT: 333 123 4567", ["IT"], "+393331234567"),
        ("DE: 0151 23456789", ["DE"], "+4915123456789"),
        ("LY: 091-234-5678", ["LY"], "+218912345678"),
        ("TN: 98 123 456", ["TN"], "+21698123456"),
        ("MA: 0612-345678", ["MA"], "+212612345678"),
        ("EG: 010 1234 5678", ["EG"], "+201012345678"),
        ("TR: (0532) 123 45 67", ["TR"], "+905321234567"),
        ("AL: 069 123 4567", ["AL"], "+355691234567"),
        ("اتصل ٠٧٧٠ ١٢٣ ٤٥٦٧", ["IQ"], "+9647701234567"),  # Arabic-Indic digits
        ("تماس ۰۹۱۲ ۳۴۵ ۶۷۸۹", ["IR"], "+989123456789"),  # Persian digits
        ("واتساب ٠٠٤٤٧٩١١١٢٣٤٥٦", None, "+447911123456"),  # 00 in Arabic-Indic digits
        ("whatsapp 447911123456", ["FR"], "+447911123456"),  # international without +
    ],
)
def test_phone_numbers_in_national_and_international_forms(
    text: str, regions: list[str] | None, expected: str
) -> None:
    assert values(text, "phone", regions=regions) == [expected]


def test_the_posts_language_chooses_the_region_of_a_national_number() -> None:
    text = "سفر به ایتالیا تماس ۰۹۱۲ ۳۴۵ ۶۷۸۹"
    assert values(text, "phone", language="fa") == ["+989123456789"]
    assert values("arayın 0532 123 45 67", "phone", language="tr") == ["+905321234567"]


def test_two_numbers_in_one_run_are_split() -> None:
    assert values("0770 123 4567 0780 765 4321", "phone", regions=["IQ"]) == [
        "+9647701234567",
        "+9647807654321",
    ]


@pytest.mark.parametrize(
    "text",
    ["posted 12.05.2024 at 10:30", "order 1234567", "since 2019-03-04", "3500 EUR", "tel 12345"],
)
def test_dates_prices_and_short_numbers_are_not_phones(text: str) -> None:
    assert values(text, "phone", regions=["GB", "FR"]) == []


def test_messaging_links_and_handles() -> None:
    text = (
        "wa.me/447911123456 https://api.whatsapp.com/send?phone=447911123457&text=hi "
        "chat.whatsapp.com/AbCdEfGhIjKlMn https://t.me/Smuggler_UK t.me/+AbCdEf123456 "
        "telegram.me/joinchat/AAAAAEJxyz12 signal.me/#p/+447911123458 "
        "signal.group/#CjQKIAbcdefgh viber://chat?number=%2B447911123459 "
        "snapchat.com/add/foo.bar imo.im/xyz123 m.me/some.page @FastBoat_2 x.y@mail.com"
    )
    found = extract_indicators(text)
    messaging = [i.value for i in found if i.kind == "messaging"]
    assert messaging == [
        "whatsapp:+447911123456",
        "whatsapp:+447911123457",
        "whatsapp-group:AbCdEfGhIjKlMn",
        "telegram:@smuggler_uk",
        "telegram-invite:AbCdEf123456",
        "telegram-invite:AAAAAEJxyz12",
        "signal:+447911123458",
        "signal-group:CjQKIAbcdefgh",
        "viber:+447911123459",
        "snapchat:@foo.bar",
        "imo:xyz123",
        "messenger:some.page",
    ]
    # The numbers inside wa.me / signal / viber links are phones too.
    phones = [i.value for i in found if i.kind == "phone"]
    assert phones == ["+447911123456", "+447911123457", "+447911123458", "+447911123459"]
    assert [i.value for i in found if i.kind == "handle"] == ["@smuggler_uk", "@fastboat_2"]
    assert [i.value for i in found if i.kind == "email"] == ["x.y@mail.com"]
    assert [i.value for i in found if i.kind == "url"] == []
    link = next(i for i in found if i.value == "telegram:@smuggler_uk")
    assert link.raw == "https://t.me/Smuggler_UK"


def test_urls_are_normalised_without_trailing_punctuation() -> None:
    found = extract_indicators("see https://Example.COM/Path?a=1). and www.site.org/x,")
    assert [(i.value, i.raw) for i in found if i.kind == "url"] == [
        ("https://example.com/Path?a=1", "https://Example.COM/Path?a=1"),
        ("http://www.site.org/x", "www.site.org/x"),
    ]
    # Digits inside a URL are not a phone number.
    assert values("https://facebook.com/posts/447911123456", "phone") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("price € 3,500 per person", "3500 EUR"),
        ("only 3500 euro", "3500 EUR"),
        ("2000$ each", "2000 USD"),
        ("£1,200 pp", "1200 GBP"),
        ("1.5 million toman", "1500000 TOMAN"),
        ("السعر ٣٥٠٠ يورو", "3500 EUR"),
        ("500 dinar", "500 DINAR"),
        ("10.000 lira", "10000 TRY"),
        ("3 500 €", "3500 EUR"),
        ("قیمت ۲۰۰۰ دلار", "2000 USD"),
        ("2,50 €", "2.5 EUR"),
    ],
)
def test_prices_and_currencies(text: str, expected: str) -> None:
    assert values(text, "price") == [expected]


def test_lexicon_words_in_several_languages() -> None:
    found = extract_indicators(
        "BOAT to UK, smuggling. رحلة بالقارب. بەلەمەکە. سفر با قایق. Udhëtim me gomone."
    )
    lexicon = [(i.raw, i.value) for i in found if i.kind == "lexicon"]
    assert ("BOAT", "boat") in lexicon  # case-insensitive
    assert ("smuggling", "crossing") in lexicon  # stem "smuggl*"
    assert ("بالقارب", "boat") in lexicon  # Arabic prefix ب + ال
    assert ("بەلەمەکە", "boat") in lexicon  # Sorani stem with suffix
    assert ("قایق", "boat") in lexicon
    assert ("gomone", "boat") in lexicon


def test_lexicon_needs_whole_words() -> None:
    assert values("boathouse and riboflavin", "lexicon") == []


def test_lexicon_is_editable_without_code(tmp_path: Path) -> None:
    (tmp_path / "xx.toml").write_text(
        'language = "xx"\nprefixes = []\n[concepts]\nboat = ["kayak", "canoe*"]\n',
        encoding="utf-8",
    )
    lexicon = load_lexicon(tmp_path)
    found = extract_indicators("a Kayak and canoeing, not a boat", lexicon=lexicon)
    assert [(i.raw, i.value) for i in found if i.kind == "lexicon"] == [
        ("Kayak", "boat"),
        ("canoeing", "boat"),
    ]


def test_a_broken_lexicon_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text("[concepts\nboat = 1", encoding="utf-8")
    with pytest.raises(TriageError, match="not valid TOML"):
        load_lexicon(tmp_path)
    (tmp_path / "en.toml").write_text("[concepts]\nboat = 1\n", encoding="utf-8")
    with pytest.raises(TriageError, match="concepts.boat must be a list of strings"):
        load_lexicon(tmp_path)


def test_normalise_phone_rejects_invalid_numbers() -> None:
    assert normalise_phone("+44 1234", ()) is None
    assert normalise_phone("07911 123456", ("GB",)) == "+447911123456"
    assert normalise_phone("0000000000", ("GB", "FR")) is None


def test_empty_text_has_no_indicators() -> None:
    assert extract_indicators("") == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789٠١٢٣ +-.()/@€$ abcwa.me/t")), max_size=80))
def test_every_indicator_points_at_its_raw_text(text: str) -> None:
    for item in extract_indicators(text):
        assert isinstance(item, Indicator)
        assert text[item.start : item.end] == item.raw
