"""Phone numbers, messaging links and prices for the demo corpus, in the forms adverts use.

Numbers come from the ranges reserved for drama and fiction where a country has one (UK
+44 7700 900xxx, France +33 6 39 98 xx xx); elsewhere they are plausible mobile numbers drawn at
random. Each number is formatted once, in all the ways adverts write it (international, 00 prefix,
national, dotted, spaced, Arabic-Indic digits), so the generator only picks a string per post.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers

# Region -> (prefixes of the national significant number, digits drawn after the prefix).
_MOBILE_RANGES: dict[str, tuple[tuple[str, ...], int]] = {
    "GB": (("7700900",), 3),  # Ofcom drama range
    "FR": (("63998",), 4),  # ARCEP fiction range
    "BE": (("470", "471", "484", "492"), 6),
    "IQ": (("750", "751", "770", "782"), 7),
    "LY": (("91", "92", "94"), 7),
    "TN": (("20", "52", "98"), 6),
    "IT": (("320", "327", "333", "347"), 7),
    "TR": (("532", "533", "542", "505", "555"), 7),
    "IR": (("912", "935", "901"), 7),
    "RS": (("60", "64", "65"), 7),
    "DE": (("151", "152", "176"), 8),
    "AL": (("67", "68", "69"), 7),
    "MA": (("61", "66", "70"), 7),
    "SN": (("77", "78", "76"), 7),
    "ES": (("61", "62", "68"), 7),
    "ET": (("91", "92"), 7),
    "ER": (("71", "72"), 5),
    "SD": (("91", "92", "12"), 7),
    "EG": (("10", "11", "12"), 8),
    "VN": (("91", "98", "96"), 7),
    "AF": (("70", "77", "78", "79"), 7),
    "CI": (("07", "05"), 8),
}

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

NATIVE_DIGITS: dict[str, dict[int, int]] = {
    "ar": _ARABIC_INDIC,
    "ckb": _ARABIC_INDIC,
    "fa": _EXTENDED_ARABIC_INDIC,
    "ps": _EXTENDED_ARABIC_INDIC,
}

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Phone:
    """One number with every written form precomputed."""

    __slots__ = ("e164", "forms", "native_forms", "wa_links")

    def __init__(self, region: str, national: str) -> None:
        number = phonenumbers.parse(national, region)
        self.e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        nat = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        digits = self.e164[1:]
        cc = str(number.country_code)
        nsn = digits[len(cc) :]
        dotted = intl.replace(" ", ".").replace("-", ".")
        pairs = " ".join(nsn[i : i + 2] for i in range(0, len(nsn), 2))
        self.forms: tuple[str, ...] = (
            intl,
            intl,
            self.e164,
            "00" + intl[1:],
            nat,
            dotted,
            f"+{cc} {pairs}",
            " ".join(nat.replace(" ", "").replace("-", "")),  # digit by digit, to dodge filters
        )
        self.native_forms: dict[str, tuple[str, ...]] = {
            lang: (intl.translate(table), ("00" + intl[1:]).translate(table), nat.translate(table))
            for lang, table in NATIVE_DIGITS.items()
        }
        self.wa_links: tuple[str, ...] = (
            f"wa.me/{digits}",
            f"https://wa.me/{digits}",
            f"https://wa.me/+{digits}",
            f"https://api.whatsapp.com/send?phone={digits}",
        )

    def written(self, rng: random.Random, lang: str) -> str:
        """A form of the number as a poster in ``lang`` might write it."""
        native = self.native_forms.get(lang)
        if native is not None and rng.random() < 0.35:
            return rng.choice(native)
        return rng.choice(self.forms)


def make_phone(rng: random.Random, region: str) -> Phone:
    """A new fictitious or plausible mobile number in ``region``."""
    prefixes, free = _MOBILE_RANGES[region]
    national = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(free))
    return Phone(region, national)


def whatsapp_invite(rng: random.Random) -> str:
    """A WhatsApp group invite link (22 base-62 characters, like the real ones)."""
    return "https://chat.whatsapp.com/" + "".join(rng.choice(_BASE62) for _ in range(22))


def telegram_links(handle: str) -> tuple[str, ...]:
    """The ways adverts point to a Telegram account or channel."""
    return (f"t.me/{handle}", f"https://t.me/{handle}", f"https://t.me/{handle}", f"@{handle}")


def _thousands(amount: int, sep: str) -> str:
    return f"{amount:,}".replace(",", sep)


PriceStyle = Callable[[int], str]

# Price writers per language; each takes an amount in euro-like units.
PRICE_STYLES: dict[str, tuple[PriceStyle, ...]] = {
    "en": (
        lambda a: f"€{a}",
        lambda a: f"{a}€",
        lambda a: f"{_thousands(a, ',')} euro",
        lambda a: f"£{_thousands(a, ',')}",
        lambda a: f"{a}$",
        lambda a: f"${_thousands(a, ',')}",
        lambda a: f"{a} EUR",
    ),
    "fr": (
        lambda a: f"{_thousands(a, ' ')} €",
        lambda a: f"{a}€",
        lambda a: f"{a} euros",
        lambda a: f"{_thousands(a, '.')} dollars",
    ),
    "ar": (
        lambda a: f"{a} يورو",
        lambda a: f"{a}€",
        lambda a: f"{str(a).translate(_ARABIC_INDIC)} يورو",
        lambda a: f"{str(a).translate(_ARABIC_INDIC)} دولار",
        lambda a: f"{a}$",
    ),
    "ckb": (
        lambda a: f"{a} دۆلار",
        lambda a: f"{str(a).translate(_ARABIC_INDIC)} یۆرۆ",
        lambda a: f"{a}$",
        lambda a: f"{_thousands(a, ',')} پاوەند",
    ),
    "fa": (
        lambda a: f"{str(a).translate(_EXTENDED_ARABIC_INDIC)} یورو",
        lambda a: f"{str(a * 6 // 100).translate(_EXTENDED_ARABIC_INDIC)} میلیون تومان",
        lambda a: f"{a * 6 // 100} million toman",
        lambda a: f"{a} یورو",
    ),
    "sq": (
        lambda a: f"{a} euro",
        lambda a: f"{a}€",
        lambda a: f"£{a}",
        lambda a: f"{_thousands(a, '.')} paund",
    ),
    "vi": (
        lambda a: f"{_thousands(a, '.')} bảng",
        lambda a: f"{a * 33 // 1000} triệu",
        lambda a: f"£{_thousands(a, ',')}",
        lambda a: f"{_thousands(a, '.')} đô",
    ),
    "tr": (
        lambda a: f"{_thousands(a, '.')} €",
        lambda a: f"{a} euro",
        lambda a: f"{a} dolar",
        lambda a: f"{_thousands(a, '.')} Euro",
    ),
    "ps": (
        lambda a: f"{str(a).translate(_EXTENDED_ARABIC_INDIC)} ډالر",
        lambda a: f"{a} یورو",
        lambda a: f"{a}$",
    ),
    "am": (
        lambda a: f"{a} ዶላር",
        lambda a: f"${a}",
        lambda a: f"{a} ዩሮ",
    ),
    "ti": (
        lambda a: f"{a} ዶላር",
        lambda a: f"${a}",
        lambda a: f"{a} ዩሮ",
    ),
}

# Vietnamese crossings to the UK cost several times what others pay.
PRICE_SCALE: dict[str, int] = {"vi": 8}
