"""WhatsApp exports as real phones write them, in many phone languages (issue 13).

Every chat here is written for the test from the forms WhatsApp's Android and iOS apps write:
12-hour clocks with hour 0, marks before bodies, placeholders, deletions and notices in the
phone's language, dates of every calendar and era, phone-number senders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.format_helpers import Read, read_with, utc
from triage_app.core.errors import UnreadableFileError
from triage_app.core.records import Notice, PostRecord
from triage_app.ingest.base import ReadContext
from triage_app.ingest.registry import importers

LRM = "\u200e"


def _chat(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Boats.txt") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _times(got: Read) -> list[int | None]:
    return [p.created_at for p in got.posts]


# --- 12-hour clocks with hour 0 -----------------------------------------------------------------


def test_hour_zero_in_12_hour_clocks_starts_a_new_message(tmp_path: Path) -> None:
    ios = _chat(
        tmp_path / "ios",
        "[3/18/22, 11:58:00 PM] Ali: one\n"
        "[3/19/22, 00:04:00 AM] Ali: two\n"
        "[3/19/22, 0:24:00 PM] Sara: three\n"
        "[3/19/22, 12:30:00 PM] Sara: four\n",
    )
    got = read_with("whatsapp", ios)
    assert [p.text for p in got.posts] == ["one", "two", "three", "four"]
    assert _times(got) == [
        utc("2022-03-18T23:58:00"),
        utc("2022-03-19T00:04:00"),
        utc("2022-03-19T12:24:00"),
        utc("2022-03-19T12:30:00"),
    ]
    spanish = _chat(
        tmp_path / "es",
        "18/3/22, 11:50 p. m. - Ali: uno\n"
        "19/3/22, 00:08 a. m. - Ali: dos\n"
        "19/3/22, 0:15 p. m. - Sara: tres\n",
    )
    got = read_with("whatsapp", spanish)
    assert [p.text for p in got.posts] == ["uno", "dos", "tres"]
    assert _times(got) == [
        utc("2022-03-18T23:50:00"),
        utc("2022-03-19T00:08:00"),
        utc("2022-03-19T12:15:00"),
    ]


def test_day_periods_written_before_and_after_the_time(tmp_path: Path) -> None:
    japanese = _chat(
        tmp_path / "ja",
        "[2022/03/18 午前0:05:00] 健: 一\n[2022/03/18 午後2:56:01] 健: 二\n",
    )
    assert _times(read_with("whatsapp", japanese)) == [
        utc("2022-03-18T00:05:00"),
        utc("2022-03-18T14:56:01"),
    ]
    english = _chat(
        tmp_path / "en",
        "3/19/22, 9:15 in the morning - Ali: three\n"
        "3/19/22, 11:40 at night - Ali: four\n"
        "3/20/22, 1:10 at night - Ali: five\n",
    )
    assert _times(read_with("whatsapp", english)) == [
        utc("2022-03-19T09:15:00"),
        utc("2022-03-19T23:40:00"),
        utc("2022-03-20T01:10:00"),
    ]


# --- marks before bodies ------------------------------------------------------------------------


def test_bodies_starting_with_invisible_marks_are_messages(tmp_path: Path) -> None:
    path = _chat(
        tmp_path / "WhatsApp Chat - Boats",
        f"[18/03/2022, 14:57:00] Ali: {LRM}Hola, salimos el viernes\n"
        "[18/03/2022, 14:58:00] Ali: \u200fمرحبا الرحلة يوم الجمعة\n"
        "[18/03/2022, 14:59:00] Sara: \u202a+218 91 000 0000\u202c call this\n",
        "_chat.txt",
    )
    got = read_with("whatsapp", path)
    assert [p.text for p in got.posts] == [
        f"{LRM}Hola, salimos el viernes",
        "\u200fمرحبا الرحلة يوم الجمعة",
        "\u202a+218 91 000 0000\u202c call this",
    ]
    assert got.skipped == []


# --- the same chat in every phone language ------------------------------------------------------

# (iOS image placeholder, Android media placeholder, deleted message, encryption notice,
#  "Omar added Sara") as each phone language writes them
LANGUAGES: dict[str, tuple[str, str, str, str, str]] = {
    "en": (
        "image omitted",
        "<Media omitted>",
        "This message was deleted",
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        "Omar added Sara",
    ),
    "de": (
        "Bild weggelassen",
        "<Medien ausgeschlossen>",
        "Diese Nachricht wurde gelöscht.",
        "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses "
        "Chats kann sie lesen oder anhören.",
        "Omar hat Sara hinzugefügt",
    ),
    "es": (
        "imagen omitida",
        "<Multimedia omitido>",
        "Se eliminó este mensaje.",
        "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este "
        "chat puede leerlos ni escucharlos.",
        "Omar añadió a Sara",
    ),
    "fr": (
        "image absente",
        "<Médias omis>",
        "Ce message a été supprimé",
        "Les messages et les appels sont chiffrés de bout en bout. Aucun tiers ne peut les lire.",
        "Omar a ajouté Sara",
    ),
    "it": (
        "immagine omessa",
        "<Media omessi>",
        "Questo messaggio è stato eliminato",
        "I messaggi e le chiamate sono crittografati end-to-end. Nessuno può leggerli.",
        "Omar ha aggiunto Sara",
    ),
    "pt": (
        "imagem ocultada",
        "<Mídia oculta>",
        "Mensagem apagada",
        "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta.",
        "Omar adicionou Sara",
    ),
    "ru": (
        "изображение отсутствует",
        "<Без медиафайлов>",
        "Данное сообщение удалено",
        "Сообщения и звонки защищены сквозным шифрованием. Никто не может их прочитать.",
        "Omar добавил(-а) Sara",
    ),
    "cs": (
        "obrázek vynechán",
        "<Média vynechána>",
        "Tato zpráva byla smazána",
        "Zprávy a hovory jsou koncově šifrované. Nikdo je nemůže číst.",
        "Omar přidal(a) Sara",
    ),
    "tr": (
        "görüntü dahil edilmedi",
        "<Medya dahil edilmedi>",
        "Bu mesaj silindi",
        "Mesajlar ve aramalar uçtan uca şifrelidir. Bu sohbetin dışından hiç kimse okuyamaz.",
        "Omar Sara kişisini ekledi",
    ),
    "ar": (
        "تم استبعاد الصورة",
        "<تم استبعاد الوسائط>",
        "تم حذف هذه الرسالة",
        "الرسائل والمكالمات مشفرة تمامًا بين الطرفين. لا أحد خارج هذه الدردشة يستطيع قراءتها.",
        "Omar أضاف Sara",
    ),
    "fa": (
        "تصویر حذف شد",
        "<رسانه حذف شد>",
        "این پیام حذف شد",
        "پیام‌ها و تماس‌ها رمزگذاری سرتاسری شده‌اند. هیچ‌کس نمی‌تواند آنها را بخواند.",
        "Omar Sara را اضافه کرد",
    ),
    "ckb": (
        "وێنە لابرا",
        "<میدیا لابرا>",
        "ئەم نامەیە سڕایەوە",
        "نامە و پەیوەندییەکان کۆدکراون لە سەرەتاوە بۆ کۆتایی. کەس ناتوانێت بیانخوێنێتەوە.",
        "Omar Saraی زیاد کرد",
    ),
    "ja": (
        "画像は含まれていません",
        "<メディアは含まれていません>",
        "このメッセージは削除されました",
        "メッセージと通話はエンドツーエンドで暗号化されています。第三者は読むことができません。",
        "OmarがSaraを追加しました",
    ),
    "th": (
        "ไม่รวมรูปภาพ",
        "<ไม่รวมสื่อ>",
        "ข้อความนี้ถูกลบแล้ว",
        "ข้อความและการโทรได้รับการเข้ารหัสจากต้นทางถึงปลายทาง ไม่มีใครอ่านได้",
        "Omar เพิ่ม Sara",
    ),
    "sq": (
        "imazhi u la jashtë",
        "<Media u përjashtua>",
        "Ky mesazh u fshi",
        "Mesazhet dhe thirrjet janë të enkriptuara skaj-më-skaj. Askush nuk mund t'i lexojë.",
        "Omar shtoi Sara",
    ),
    "am": (
        "ምስል አልተካተተም",
        "<ሚዲያ አልተካተተም>",
        "ይህ መልዕክት ተሰርዟል",
        "መልዕክቶች እና ጥሪዎች ከጫፍ እስከ ጫፍ የተመሰጠሩ ናቸው። ማንም ሊያነባቸው አይችልም።",
        "Omar Saraን አክሏል",
    ),
    "ti": (
        "ስእሊ ኣይተኻተተን",
        "<ሚድያ ኣይተኻተተን>",
        "እዚ መልእኽቲ ተሰሪዙ",
        "መልእኽትታትን ጻውዒታትን ካብ ጫፍ ክሳብ ጫፍ ዝተመስጠሩ እዮም። ማንም ከንብቦም ኣይክእልን።",
        "Omar Sara ወሲኹ",
    ),
}


def _ios_chat(words: tuple[str, str, str, str, str]) -> str:
    image, _media, deleted, encrypted, added = words
    return (
        f"[18/03/2022, 14:56:00] Boats: {LRM}{encrypted}\n"
        "[18/03/2022, 14:57:00] Omar: Departure Friday\n"
        "price 2500\n"
        f"[18/03/2022, 14:58:00] Omar: {LRM}{image}\n"
        f"[18/03/2022, 14:59:00] Sara: {LRM}{deleted}\n"
        f"[18/03/2022, 15:00:00] Boats: {LRM}{added}\n"
        "[18/03/2022, 15:01:00] Sara: ok\n"
    )


def _android_chat(words: tuple[str, str, str, str, str]) -> str:
    _image, media, deleted, encrypted, added = words
    return (
        f"18/03/2022, 14:56 - {encrypted}\n"
        "18/03/2022, 14:57 - Omar: Departure Friday\n"
        "price 2500\n"
        f"18/03/2022, 14:58 - Omar: {media}\n"
        f"18/03/2022, 14:59 - Sara: {deleted}\n"
        f"18/03/2022, 15:00 - {added}\n"
        "18/03/2022, 15:01 - Sara: ok\n"
    )


def _shape(got: Read) -> list[tuple[object, ...]]:
    return [
        (
            p.created_at,
            p.account.account_id if p.account else None,
            p.text,
            [(m.kind, m.missing) for m in p.media],
        )
        for p in got.posts
    ]


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_same_chat_in_every_phone_language_gives_the_same_posts(
    tmp_path: Path, lang: str
) -> None:
    words = LANGUAGES[lang]
    ios = read_with("whatsapp", _chat(tmp_path / "ios" / lang, _ios_chat(words)))
    android = read_with("whatsapp", _chat(tmp_path / "android" / lang, _android_chat(words)))
    english_ios = read_with("whatsapp", _chat(tmp_path / "ios" / "en0", _ios_chat(LANGUAGES["en"])))
    english_android = read_with(
        "whatsapp", _chat(tmp_path / "android" / "en0", _android_chat(LANGUAGES["en"]))
    )
    assert _shape(ios) == _shape(english_ios)
    assert _shape(android) == _shape(english_android)
    for got in (ios, android):
        assert got.bad == []
        texts = [p.text for p in got.posts]
        assert texts == ["Departure Friday\nprice 2500", "", "ok"]
        media_post = got.posts[1]
        assert [m.missing for m in media_post.media] == [True]  # says the file is missing
        # notices: never a post, never an account (not even the chat's name "Boats")
        assert {p.account.account_id for p in got.posts if p.account} == {"Omar", "Sara"}
        kinds = sorted(n.kind for n in got.skipped if isinstance(n, Notice))
        assert kinds == ["deleted", "encryption", "member"], lang
        languages = {n.language for n in got.skipped if isinstance(n, Notice)}
        assert lang in languages
    assert ios.posts[1].media[0].kind == "photo"


def test_ios_placeholders_per_kind_and_documents(tmp_path: Path) -> None:
    path = _chat(
        tmp_path / "WhatsApp Chat - Kinds",
        f"[18/03/2022, 14:57:00] Omar: {LRM}video omitted\n"
        f"[18/03/2022, 14:57:01] Omar: {LRM}Sticker weggelassen\n"
        f"[18/03/2022, 14:57:02] Omar: {LRM}audio omitido\n"
        f"[18/03/2022, 14:57:03] Omar: {LRM}GIF omitted\n"
        f"[18/03/2022, 14:57:04] Omar: prices.pdf • 3 pages {LRM}document omitted\n"
        f"[18/03/2022, 14:57:05] Omar: {LRM}Contact card omitted\n",
        "_chat.txt",
    )
    got = read_with("whatsapp", path)
    assert [(m.kind, m.missing, m.name) for p in got.posts for m in p.media] == [
        ("video", True, "video omitted"),
        ("sticker", True, "Sticker weggelassen"),
        ("audio", True, "audio omitido"),
        ("video", True, "GIF omitted"),
        ("file", True, "prices.pdf"),
        ("file", True, "Contact card omitted"),
    ]
    assert all(p.text == "" for p in got.posts)


def test_attachment_markers_in_other_languages_take_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "WhatsApp Chat - Fähre"
    folder.mkdir()
    (folder / "00000003-PHOTO-2022-03-18-14-58-00.jpg").write_bytes(b"jpeg")
    (folder / "IMG-20220318-WA0007.jpg").write_bytes(b"jpeg2")
    path = _chat(
        folder,
        f"[18/03/2022, 14:58:00] Omar: {LRM}<Anhang: 00000003-PHOTO-2022-03-18-14-58-00.jpg>\n"
        f"[18/03/2022, 14:59:00] Omar: {LRM}<adjunto: 00000009-PHOTO-2022-03-18-14-59-00.jpg>\n"
        "[18/03/2022, 15:00:00] Omar: <the boat: big>\n",
        "_chat.txt",
    )
    got = read_with("whatsapp", path)
    first, second, third = got.posts
    assert first.text == "" and not first.media[0].missing
    assert first.media[0].kind == "photo"
    assert second.text == "" and second.media[0].missing  # named but not in the export
    assert third.text == "<the boat: big>" and third.media == []  # not a marker: words kept
    android = _chat(
        tmp_path / "a",
        "18.03.22, 14:58 - Omar: IMG-20220318-WA0007.jpg (Datei angehängt)\nBoot\n",
    )
    (android.parent / "IMG-20220318-WA0007.jpg").write_bytes(b"jpeg2")
    [post] = read_with("whatsapp", android).posts
    assert post.text == "Boot" and not post.media[0].missing


def test_notices_credited_to_the_chat_never_become_accounts(tmp_path: Path) -> None:
    path = _chat(
        tmp_path / "WhatsApp Chat - Boats",
        f"[18/03/2022, 14:56:00] Boats: {LRM}Messages and calls are end-to-end encrypted. "
        "No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
        f"[18/03/2022, 14:56:01] Boats: {LRM}Omar created group “Boats”\n"
        f"[18/03/2022, 14:56:02] Boats: {LRM}Your security code with Sara changed. "
        "Tap to learn more.\n"
        f"[18/03/2022, 14:56:03] Omar: {LRM}Missed voice call\n"
        "[18/03/2022, 14:57:00] Omar: the boat left\n",
        "_chat.txt",
    )
    got = read_with("whatsapp", path)
    assert [(p.account.account_id if p.account else None, p.text) for p in got.posts] == [
        ("Omar", "the boat left")
    ]
    assert [n.kind for n in got.skipped if isinstance(n, Notice)] == [
        "encryption",
        "group",
        "security",
        "call",
    ]
    credited = _chat(
        tmp_path / "credited",
        "18/03/2022, 14:55 - Boats: Messages and calls are end-to-end encrypted. No one outside "
        "of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
        "18/03/2022, 14:56 - Omar: hi\n",
    )
    got = read_with("whatsapp", credited)  # Android crediting the notice to the chat's name
    assert [p.account.account_id for p in got.posts if p.account] == ["Omar"]
    assert [n.kind for n in got.skipped if isinstance(n, Notice)] == ["encryption"]
    android = _chat(
        tmp_path / "and",
        "18/03/2022, 14:56 - Omar changed the subject from “A” to “Boats: night”\n"
        "18/03/2022, 14:57 - Omar: Sara added Ali\n",
    )
    got = read_with("whatsapp", android)
    assert [p.text for p in got.posts] == ["Sara added Ali"]  # a message saying it
    assert [n.kind for n in got.skipped if isinstance(n, Notice)] == ["group"]


def test_an_unknown_notice_credited_to_a_group_is_kept_as_a_notice(tmp_path: Path) -> None:
    group = _chat(
        tmp_path / "WhatsApp Chat - Boats",
        f"[18/03/2022, 14:56:00] Boats: {LRM}Omar pinned a message\n"
        "[18/03/2022, 14:57:00] Omar: hi\n"
        "[18/03/2022, 14:58:00] Sara: hello\n",
        "_chat.txt",
    )
    got = read_with("whatsapp", group)
    assert [p.text for p in got.posts] == ["hi", "hello"]
    [notice] = got.skipped
    assert isinstance(notice, Notice) and notice.kind == "unrecognised"
    # between two people the chat's name is the other person: their marked words stay a message
    two = _chat(
        tmp_path / "WhatsApp Chat - Sara",
        f"[18/03/2022, 14:56:00] Sara: {LRM}Omar pinned a message\n"
        "[18/03/2022, 14:57:00] Omar: hi\n",
        "_chat.txt",
    )
    assert [p.text for p in read_with("whatsapp", two).posts] == [
        f"{LRM}Omar pinned a message",
        "hi",
    ]


def test_a_date_in_another_form_inside_a_message_stays_in_the_message(tmp_path: Path) -> None:
    path = _chat(
        tmp_path,
        "18/03/2022, 14:57 - Omar: Departures\n"
        "[20/03/2022, 22:00:00] Zuwara: full\n"  # written by Omar, not an iOS header
        "3/21/22, 9:00 PM: Sabratha\n"
        "19/03/2022, 10:00 - Sara: ok\n",
    )
    got = read_with("whatsapp", path)
    assert [p.text for p in got.posts] == [
        "Departures\n[20/03/2022, 22:00:00] Zuwara: full\n3/21/22, 9:00 PM: Sabratha",
        "ok",
    ]
    assert got.bad == [] and got.skipped == []


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # Thai iOS, Buddhist years marked BE
        (["[3/18/2565 BE, 14:56:01] A: x", "[3/19/2565 BE, 9:00:00] A: y"], "2022-03-18T14:56:01"),
        # Japanese era years (Reiwa 4 = 2022), letter and kanji forms
        (["[R4/03/18 14:56:01] A: x", "[R4/03/19 09:00:00] A: y"], "2022-03-18T14:56:01"),
        (["[令和4/03/18 14:56:01] A: x", "[令和4/03/19 9:00:00] A: y"], "2022-03-18T14:56:01"),
        (["[平成30/06/13 21:25:15] A: x"], "2018-06-13T21:25:15"),
        # Finnish Android: "klo" and dotted times
        (["13.6.2018 klo 21.25.15 - A: x", "14.6.2018 klo 8.05.00 - A: y"], "2018-06-13T21:25:15"),
        # dotted times, old iOS colon after the time
        (["13.06.18 21.25.15: A: x", "14.06.18 08.05.00: A: y"], "2018-06-13T21:25:15"),
        # Hungarian/Croatian style with spaces and a final dot
        (["13. 6. 2018. 21:25 - A: x", "14. 6. 2018. 8:05 - A: y"], "2018-06-13T21:25:00"),
        # iOS writing the time first
        (["[14:56:01, 3/18/22] A: x", "[09:00:00, 3/19/22] A: y"], "2022-03-18T14:56:01"),
        # pre-2017 forms: iOS without brackets, Android 12-hour
        (["18/03/2016 14:56:01: A: x", "19/03/2016 09:00:00: A: y"], "2016-03-18T14:56:01"),
        (["3/18/16, 2:56 PM - A: x", "3/19/16, 9:00 AM - A: y"], "2016-03-18T14:56:00"),
        # ISO order (some Android locales)
        (["2022-03-18, 14:56 - A: x"], "2022-03-18T14:56:00"),
        # Persian calendar with Persian digits (1401/1/27 = 2022-04-16), 12-hour ب.ظ.
        (
            ["[۱۴۰۱/۱/۲۷، ۲:۵۶:۰۱ ب.ظ.] A: x", "[۱۴۰۱/۱/۲۸، ۹:۰۰:۰۰ ق.ظ.] A: y"],
            "2022-04-16T14:56:01",
        ),
        (["۱۴۰۲/۱۰/۱۱، ۰۰:۳۰ - A: x"], "2024-01-01T00:30:00"),
    ],
)
def test_date_forms(tmp_path: Path, lines: list[str], expected: str) -> None:
    got = read_with("whatsapp", _chat(tmp_path, "\n".join(lines) + "\n"))
    assert got.bad == [] and len(got.posts) == len(lines)
    assert got.posts[0].created_at == utc(expected)
    assert got.posts[0].text == "x"


def test_hijri_years_are_quarantined_with_the_reason_not_misdated(tmp_path: Path) -> None:
    path = _chat(tmp_path, "١٤٤٣/٠٨/١٥، ١٠:٠٠ - A: x\n2022-03-18, 10:00 - A: y\n")
    got = read_with("whatsapp", path)
    assert [p.text for p in got.posts] == ["y"]
    [bad] = got.bad
    assert bad.reason.startswith("year 1443 is a Hijri (Islamic calendar) year; not converted")


def test_ambiguous_order_refused_naming_the_option_unless_the_file_tells(tmp_path: Path) -> None:
    ambiguous = _chat(tmp_path / "a", "03/04/22, 10:00 - A: one\n05/06/22, 10:05 - B: two\n")
    with pytest.raises(UnreadableFileError, match=r"--date-order dmy .* --date-order mdy"):
        read_with("whatsapp", ambiguous)
    for order, first in (("dmy", "2022-04-03T10:00:00"), ("mdy", "2022-03-04T10:00:00")):
        ctx = ReadContext(ambiguous, ambiguous.parent, date_order=order)
        posts = [
            p for p in importers()["whatsapp"].read(ambiguous, ctx) if isinstance(p, PostRecord)
        ]
        assert posts[0].created_at == utc(first)
    # a day above 12 anywhere in the file decides it: no note, no question
    told = _chat(tmp_path / "b", "03/04/22, 10:00 - A: one\n25/04/22, 10:05 - B: two\n")
    got = read_with("whatsapp", told)
    assert got.posts[0].created_at == utc("2022-04-03T10:00:00")
    # only one order runs forwards in time: read so, and the summary says why
    forwards = _chat(tmp_path / "c", "01/02/22, 10:00 - A: x\n02/01/22, 10:00 - A: y\n")
    got = read_with("whatsapp", forwards)
    assert got.posts[1].created_at == utc("2022-02-01T10:00:00")
    assert any("only order that keeps the messages in time order" in n for n in got.notes)


def test_a_file_mixing_orders_reads_one_way_when_told(tmp_path: Path) -> None:
    mixed = _chat(tmp_path, "13/01/22, 10:00 - A: x\n01/13/22, 10:00 - A: y\n")
    with pytest.raises(UnreadableFileError, match="mixes formats; give --date-order dmy"):
        read_with("whatsapp", mixed)
    ctx = ReadContext(mixed, mixed.parent, date_order="dmy")
    results = list(importers()["whatsapp"].read(mixed, ctx))
    assert [r.text for r in results if isinstance(r, PostRecord)] == ["x"]
    assert [r.reason for r in results if not isinstance(r, PostRecord)] == [
        "impossible date for this file's day/month order"
    ]


# --- the last message, phone numbers ------------------------------------------------------------


def test_no_trailing_blank_line_on_the_last_message(tmp_path: Path) -> None:
    path = _chat(tmp_path, "18/03/2022, 14:57 - A: first\n18/03/2022, 14:58 - A: last\n\n\n")
    got = read_with("whatsapp", path)
    assert [p.text for p in got.posts] == ["first", "last"]
    assert got.posts[-1].raw == "18/03/2022, 14:58 - A: last"


def test_phone_number_senders_are_one_account_raw_form_kept(tmp_path: Path) -> None:
    ios = _chat(
        tmp_path / "WhatsApp Chat - P",
        "[18/03/2022, 14:57:00] \u202a+49\u00a0151\u00a02345678\u202c: hallo\n",
        "_chat.txt",
    )
    android = _chat(tmp_path / "a", "18/03/2022, 14:58 - \u200e+49 151 2345678: hallo\n")
    [from_ios] = read_with("whatsapp", ios).posts
    [from_android] = read_with("whatsapp", android).posts
    assert from_ios.account is not None and from_android.account is not None
    assert from_ios.account.account_id == from_android.account.account_id == "+49 151 2345678"
    assert from_ios.extra["sender_as_written"] == "\u202a+49\u00a0151\u00a02345678\u202c"
    assert from_ios.raw.startswith("[18/03/2022, 14:57:00] \u202a+49\u00a0151\u00a02345678\u202c")
