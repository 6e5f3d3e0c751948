"""Language detection for posts without a language, including Sorani/Farsi/Arabic."""

from __future__ import annotations

import pytest

from triage_app.core.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Crossing to the UK by boat this week, good price, contact me on whatsapp", "en"),
        ("Traversée vers l'Angleterre en bateau, prix raisonnable, appelez-nous vite", "fr"),
        ("رحلة إلى إيطاليا بالقارب من زوارة، السعر مناسب، الدفع بعد الوصول", "ar"),
        ("سفر به ایتالیا با قایق از ازمیر، قیمت مناسب، تماس بگیرید", "fa"),
        ("گەشت بۆ بەریتانیا بە بەلەم، نرخی گونجاو، پەیوەندی بکە", "ckb"),
        ("ናይ ጉዕዞ ዋጋ ክንደይ እዩ ኣብ ሊብያ ንኸይድ ደልየ", "ti"),
        ("የጉዞ ዋጋ ስንት ነው በሊቢያ ውስጥ መሄድ እፈልጋለሁ", "am"),
        ("Udhëtim për në Angli me gomone, çmimi i mirë, na shkruani sot", "sq"),
        ("Đi Anh bằng xe tải, giá rẻ, đảm bảo đến nơi, liên hệ ngay", "vi"),
        ("Avrupa'ya geçiş, İzmir'den bot ile, fiyat uygun, hemen arayın", "tr"),
    ],
)
def test_languages_of_the_work(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "ok", "سلام", "+44 7911 123456", "👍👍👍"])
def test_too_little_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None
