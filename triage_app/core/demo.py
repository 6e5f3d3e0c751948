"""The demo corpus: realistic synthetic posts in the generic JSONL schema, seeded and fast.

About a third of the posts are smuggling adverts from a few "networks": each network owns a
handful of accounts across platforms, shares its phone numbers, Telegram handle and WhatsApp group
between them, and reposts a few advert "families" (one template, lightly varied: price, phone
format, emoji, line order). The rest are ordinary posts from a few thousand everyday accounts
(per million posts) in the same languages. Everything comes from one ``random.Random(seed)``, so the
same ``n`` and ``seed`` always give the same posts, byte for byte.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import random
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from triage_app.core.demo_contacts import (
    PRICE_SCALE,
    PRICE_STYLES,
    Phone,
    make_phone,
    telegram_links,
    whatsapp_invite,
)
from triage_app.core.demo_everyday import (
    EVERYDAY,
    EVERYDAY_EMOJI,
    LANG_REGIONS,
    PEOPLE,
    SURNAMES,
    VOCAB,
)
from triage_app.core.demo_media import BOAT_MEDIA, DOCUMENT_MEDIA, EVERYDAY_MEDIA, write_media
from triage_app.core.demo_phrases import (
    ADVERTS,
    DISPLAY_NAMES,
    EMOJI,
    HANDLE_WORDS,
    LANG_PHONE_REGIONS,
    NICKNAMES,
    PLACES,
    PRICE_RANGES,
    ROUTE_PHONE_REGIONS,
    Advert,
)
from triage_app.core.errors import TriageError

PLATFORMS = ("facebook", "instagram", "x", "tiktok", "telegram", "youtube")
LANGUAGES = ("en", "ar", "fr", "fa", "ckb", "tr", "sq", "vi", "ps", "am", "ti")

ADVERT_SHARE = 0.35
"""Share of posts that are smuggling adverts; the rest are ordinary posts."""

UNTIL = "2026-11-01T00:00:00Z"
"""The corpus ends here (a fixed date, so a seed gives the same file on any day)."""
_UNTIL_TS = 1793491200
_SPAN = 730 * 86400  # two years of posts
_DAY = 86400

_ORDINARY_LANG_WEIGHTS = (18, 14, 10, 9, 8, 9, 7, 7, 6, 6, 6)
_NETWORK_LANG_WEIGHTS = (14, 16, 8, 10, 12, 8, 9, 8, 6, 5, 5)
_ORDINARY_PLATFORM_WEIGHTS = (32, 18, 16, 16, 8, 10)
_NETWORK_PLATFORM_WEIGHTS = (30, 12, 8, 20, 24, 6)
_MEDIA_POSTS = 500  # about this many posts carry an image, whatever the corpus size
_BOAT_CATEGORIES = frozenset({"crossing", "speedboat", "transport", "referral", "testimonial"})
_ID_ALPHABET = string.ascii_letters + string.digits + "-_"
_HASHTAGS = ("#europe", "#italia", "#uk", "#travel", "#lampedusa", "#greece", "#germany", "#vip")


class DemoPost(NamedTuple):
    """A generated post with what the generator knows about it (for tests and evaluation)."""

    record: dict[str, object]
    category: str  # "ordinary" or the advert's category
    family: int  # the advert family (near-duplicate group), -1 for ordinary posts


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What ``write_demo_jsonl`` wrote."""

    path: Path
    posts: int
    adverts: int
    ordinary: int
    accounts: int
    by_platform: dict[str, int]
    by_language: dict[str, int]
    posts_with_media: int
    media_files: int
    bytes: int
    seconds: float = field(compare=False)

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else float("inf")


class _Account:
    """An account and what every post of it repeats; ``seq`` numbers its Telegram messages."""

    __slots__ = (
        "platform",
        "author_id",
        "handle",
        "name",
        "created_at",
        "followers",
        "seq",
        "lang",
        "phone",
    )

    def __init__(
        self,
        platform: str,
        author_id: str,
        handle: str,
        name: str,
        created_ts: int,
        followers: int,
        lang: str,
        phone: Phone | None,
    ) -> None:
        self.platform = platform
        self.author_id = author_id
        self.handle = handle
        self.name = name
        self.created_at = time.strftime("%Y-%m-%d", time.gmtime(created_ts))
        self.followers = followers
        self.seq = 0
        self.lang = lang
        self.phone = phone


@dataclass(slots=True)
class _Network:
    """A smuggling network: its accounts on several platforms share its contacts."""

    lang: str
    phones: list[Phone]
    tme: tuple[str, ...]
    invite: str
    nick: int  # index into NICKNAMES[lang], so every language names the same person
    start: int
    route: str
    accounts: list[_Account] = field(default_factory=list)


@dataclass(slots=True)
class _Family:
    """One advert as a network first wrote it; every repost varies it a little."""

    index: int
    network: _Network
    lang: str
    advert: Advert
    place: str
    dest: str
    price: int
    style: int
    e1: str
    e2: str
    k: str
    disc: str
    pay: int
    start: int
    span: int
    media: tuple[str, ...]
    hashtags: str


def _weighted(rng: random.Random, items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    return rng.choices(items, weights)[0]


def _skewed_index(rng: random.Random, size: int, power: float = 2.0) -> int:
    """An index in range(size) that favours the first items (prolific accounts, main adverts)."""
    return min(int(rng.random() ** power * size), size - 1)


class _Corpus:
    """Accounts, networks and advert families for one (n, seed), built before any post."""

    def __init__(self, n: int, rng: random.Random) -> None:
        self.rng = rng
        self.handles: set[tuple[str, str]] = set()
        self.account_ids: dict[str, int] = dict.fromkeys(PLATFORMS, 0)
        self.lang_phones = {
            lang: [make_phone(rng, rng.choice(regions)) for _ in range(30)]
            for lang, regions in LANG_REGIONS.items()
        }
        self.ordinary: list[_Account] = []
        n_ordinary = max(60, n * 3 // 1000)
        for i in range(n_ordinary):
            lang = (
                LANGUAGES[i]
                if i < len(LANGUAGES)
                else _weighted(rng, LANGUAGES, _ORDINARY_LANG_WEIGHTS)
            )
            self.ordinary.append(self._ordinary_account(lang))
        self.ordinary_cum = list(
            itertools.accumulate(1.0 / (i + 1) ** 0.9 for i in range(n_ordinary))
        )

        self.networks: list[_Network] = []
        self.families: list[_Family] = []
        family_weights: list[float] = []
        # Each language's adverts are used in turn, and the first networks go round every
        # language twice, so even a small corpus has every kind of advert in every language.
        self.advert_cursor = {lang: rng.randrange(len(ADVERTS[lang])) for lang in LANGUAGES}
        n_networks = max(2 * len(LANGUAGES), min(150, math.isqrt(n) // 6))
        for i in range(n_networks):
            lang = (
                LANGUAGES[i % len(LANGUAGES)]
                if i < 2 * len(LANGUAGES)
                else _weighted(rng, LANGUAGES, _NETWORK_LANG_WEIGHTS)
            )
            network = self._network(lang, home_phone=i < len(LANGUAGES))
            self.networks.append(network)
            weight = 1.0 / (i + 1) ** 0.7
            n_families = 2 + _skewed_index(rng, 5)
            for j in range(n_families):
                fam_lang = lang if lang == "en" or j < 2 or rng.random() < 0.85 else "en"
                self.families.append(self._family(network, fam_lang))
                family_weights.append(weight / (j + 1))
        self.family_cum = list(itertools.accumulate(family_weights))
        self.platform_seq = dict.fromkeys(PLATFORMS, 0)

    def _unique_handle(self, platform: str, stem: str) -> str:
        rng = self.rng
        while True:
            sep = rng.choice(("", "_", ".", "_"))
            handle = f"{stem}{sep}{rng.randrange(1, 10 ** rng.randrange(1, 5))}"
            if (platform, handle) not in self.handles:
                self.handles.add((platform, handle))
                return handle

    def _author_id(self, platform: str) -> str:
        rng = self.rng
        seq = self.account_ids[platform]
        self.account_ids[platform] = seq + 1
        if platform == "youtube":
            tail = "".join(rng.choice(_ID_ALPHABET) for _ in range(20))
            return f"UC{tail}{_ID_ALPHABET[seq % 64]}{_ID_ALPHABET[seq // 64 % 64]}"
        base, stride = {
            "facebook": (100_000_000_000_000, 9_973),
            "instagram": (1_000_000_000, 977),
            "x": (1_200_000_000_000_000_000, 7_919_000),
            "tiktok": (6_800_000_000_000_000_000, 7_919_000),
            "telegram": (1_000_000_000, 977),
        }[platform]
        value = base + seq * stride + rng.randrange(stride)
        return f"-100{value}" if platform == "telegram" else str(value)

    def _ordinary_account(self, lang: str) -> _Account:
        rng = self.rng
        platform = _weighted(rng, PLATFORMS, _ORDINARY_PLATFORM_WEIGHTS)
        name, latin = rng.choice(PEOPLE[lang])
        if lang in SURNAMES:
            name = f"{name} {rng.choice(SURNAMES[lang])}"
        elif lang != "vi" and rng.random() < 0.5:  # a patronymic
            name = f"{name} {rng.choice([p for p, _ in PEOPLE[lang] if p != name])}"
        created = _UNTIL_TS - _SPAN - rng.randrange(30, 3000) * _DAY
        followers = int(rng.paretovariate(1.2) * 80)
        phone = rng.choice(self.lang_phones[lang])
        return _Account(
            platform,
            self._author_id(platform),
            self._unique_handle(platform, latin),
            name,
            created,
            followers,
            lang,
            phone,
        )

    def _next_advert(self, lang: str) -> Advert:
        adverts = ADVERTS[lang]
        cursor = self.advert_cursor[lang]
        self.advert_cursor[lang] = cursor + 1
        return adverts[cursor % len(adverts)]

    def _network(self, lang: str, home_phone: bool) -> _Network:
        rng = self.rng
        adverts = ADVERTS[lang]
        route = adverts[self.advert_cursor[lang] % len(adverts)].route  # its first advert's
        if not route:
            route = rng.choice([a.route for a in adverts if a.route])
        phones = [
            make_phone(
                rng, rng.choice(rng.choice((ROUTE_PHONE_REGIONS[route], LANG_PHONE_REGIONS[lang])))
            )
            for _ in range(1 + _skewed_index(rng, 3))
        ]
        if home_phone:  # the community's own country (UK for English, Libya for Arabic...)
            phones.insert(0, make_phone(rng, LANG_PHONE_REGIONS[lang][0]))
        if self.networks and rng.random() < 0.15:  # a broker working for two networks
            phones.append(rng.choice(rng.choice(self.networks).phones))
        tme_handle = self._unique_handle("telegram", rng.choice(HANDLE_WORDS))
        # Campaigns start at least 200 days before the end, so every family fits in the corpus.
        start = _UNTIL_TS - 200 * _DAY - int(rng.random() * (_SPAN - 200 * _DAY))
        network = _Network(
            lang,
            phones,
            telegram_links(tme_handle),
            whatsapp_invite(rng),
            rng.randrange(12),
            start,
            route,
        )
        size = 2 + _skewed_index(rng, 7, power=1.5)
        platforms: list[str] = []
        for i in range(size):
            platform = _weighted(rng, PLATFORMS, _NETWORK_PLATFORM_WEIGHTS)
            if i == 1 and platform == platforms[0]:  # every network spans two platforms at least
                platform = PLATFORMS[(PLATFORMS.index(platform) + 1 + rng.randrange(5)) % 6]
            platforms.append(platform)
            handle = self._unique_handle(platform, rng.choice(HANDLE_WORDS))
            name = rng.choice(DISPLAY_NAMES[lang])
            created = start - rng.randrange(1, 90) * _DAY
            followers = int(rng.paretovariate(1.5) * 300)
            network.accounts.append(
                _Account(
                    platform,
                    self._author_id(platform),
                    handle,
                    name,
                    created,
                    followers,
                    lang,
                    None,
                )
            )
        return network

    def _family(self, network: _Network, lang: str) -> _Family:
        rng = self.rng
        advert = self._next_advert(lang)
        routes = PLACES[lang]
        places, dests = routes[advert.route] if advert.route else routes[rng.choice(list(routes))]
        price_key = (
            advert.category if advert.category in ("speedboat", "documents") else advert.route
        )
        low, high = PRICE_RANGES[price_key]
        scale = PRICE_SCALE.get(lang, 1) if advert.category != "documents" else 1
        start = network.start + rng.randrange(0, 120) * _DAY
        span = min(rng.randrange(5, 90) * _DAY, _UNTIL_TS - 1 - start)
        if advert.category in _BOAT_CATEGORIES:
            media = rng.choice(BOAT_MEDIA)
        elif advert.category == "documents":
            media = rng.choice(DOCUMENT_MEDIA)
        else:
            media = ()
        return _Family(
            index=len(self.families),
            network=network,
            lang=lang,
            advert=advert,
            place=rng.choice(places),
            dest=rng.choice(dests),
            price=rng.randrange(low // 100, high // 100 + 1) * 100 * scale,
            style=rng.randrange(len(PRICE_STYLES[lang])),
            e1=rng.choice(EMOJI),
            e2=rng.choice(EMOJI),
            k=str(rng.randrange(2, 6)),
            disc=f"{rng.choice((10, 15, 20, 25, 50))}%",
            pay=rng.randrange(5, 30) * 100,
            start=start,
            span=span,
            media=media,
            hashtags=" ".join(rng.sample(_HASHTAGS, 3)),
        )


def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)


_EVERYDAY_TEMPLATES = {
    lang: tuple((t, _template_fields(t)) for t in templates) for lang, templates in EVERYDAY.items()
}


def generate_demo_posts(n: int, seed: int, media_prefix: str | None = None) -> Iterator[DemoPost]:
    """Yield ``n`` posts with their category and advert family, deterministically for ``seed``.

    ``media_prefix`` (a folder relative to the JSONL file) makes a few hundred posts refer to the
    demo images; without it no post has media, and the texts are the same either way."""
    if n < 0:
        raise TriageError("The number of demo posts cannot be negative")
    rng = random.Random(seed)
    corpus = _Corpus(n, rng)
    random_ = rng.random
    choice = rng.choice
    gmtime = time.gmtime
    strftime = time.strftime
    ordinary, ordinary_cum = corpus.ordinary, corpus.ordinary_cum
    families, family_cum = corpus.families, corpus.family_cum
    ordinary_total, family_total = ordinary_cum[-1], family_cum[-1]
    seq = corpus.platform_seq
    media_share = min(0.25, _MEDIA_POSTS / max(n, 1))

    for _ in range(n):
        media: str | None = None
        if random_() < ADVERT_SHARE:
            fam = families[bisect.bisect_right(family_cum, random_() * family_total)]
            net = fam.network
            account = net.accounts[_skewed_index(rng, len(net.accounts), power=1.6)]
            lang = fam.lang
            text = _advert_text(rng, fam, lang)
            ts = fam.start + int(random_() * fam.span)
            category, family = fam.advert.category, fam.index
            if random_() < media_share and fam.media:
                media = choice(fam.media)
        else:
            account = ordinary[bisect.bisect_right(ordinary_cum, random_() * ordinary_total)]
            lang = account.lang if random_() < 0.92 else "en"
            text = _everyday_text(rng, account, lang)
            ts = _UNTIL_TS - 1 - int(random_() * _SPAN)
            category, family = "ordinary", -1
            if random_() < media_share * 0.5:
                media = choice(EVERYDAY_MEDIA)

        platform = account.platform
        number = seq[platform]
        seq[platform] = number + 1
        post_id, url = _post_address(rng, platform, account, number)
        record: dict[str, object] = {
            "platform": platform,
            "post_id": post_id,
            "url": url,
            "created_at": strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(ts)),
            "text": text,
            "author_id": account.author_id,
            "author_handle": account.handle,
            "author_name": account.name,
            "language": lang,
        }
        if media is not None and media_prefix is not None:
            record["media"] = [f"{media_prefix}/{media}"]
        record["author_followers"] = account.followers
        record["author_created_at"] = account.created_at
        yield DemoPost(record, category, family)


def _advert_text(rng: random.Random, fam: _Family, lang: str) -> str:
    """One repost of an advert family: same template, small changes."""
    random_ = rng.random
    lines = list(fam.advert.lines)
    r = random_()
    if len(lines) > 3 and r < 0.35:
        i = rng.randrange(1, len(lines) - 2)
        if r < 0.25:
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        else:
            del lines[i]
    net = fam.network
    phone = rng.choice(net.phones)
    price = fam.price
    if random_() < 0.3:
        price = max(100, price + rng.choice((-500, -300, -200, 200, 300, 500)))
    styles = PRICE_STYLES[lang]
    style = styles[fam.style if random_() < 0.85 else rng.randrange(len(styles))]
    text = (
        ("\n" if random_() < 0.9 else " ")
        .join(lines)
        .format(
            e1=fam.e1 if random_() < 0.6 else rng.choice(EMOJI),
            e2=fam.e2 if random_() < 0.6 else rng.choice(EMOJI),
            place=fam.place,
            dest=fam.dest,
            price=style(price),
            phone=phone.written(rng, lang),
            wa=rng.choice(phone.wa_links),
            tme=rng.choice(net.tme),
            invite=net.invite,
            nick=(nicks := NICKNAMES[lang])[net.nick % len(nicks)],
            k=fam.k,
            disc=fam.disc,
            pay=styles[fam.style](fam.pay),
        )
    )
    if random_() < 0.2:
        text = f"{text}\n{fam.hashtags}"
    return text


def _everyday_text(rng: random.Random, account: _Account, lang: str) -> str:
    """An ordinary post in ``lang`` from a template and the language's vocabulary."""
    template, fields = rng.choice(_EVERYDAY_TEMPLATES[lang])
    if not fields:
        return template
    vocab = VOCAB[lang]
    values: dict[str, str] = {}
    for name in fields:
        if name == "e":
            values[name] = rng.choice(EVERYDAY_EMOJI)
        elif name == "n":
            values[name] = str(rng.randrange(2, 10))
        elif name == "price":
            values[name] = rng.choice(PRICE_STYLES[lang])(rng.randrange(2, 60) * 5)
        elif name == "bigprice":
            values[name] = rng.choice(PRICE_STYLES[lang])(rng.randrange(8, 150) * 100)
        elif name == "phone":
            assert account.phone is not None  # every ordinary account has one
            values[name] = account.phone.written(rng, lang)
        elif name == "name":
            values[name] = rng.choice(PEOPLE[lang])[0]
        else:
            values[name] = rng.choice(vocab[name])
    return template.format(**values)


def _short_code(number: int, salt: int) -> str:
    """An 11-character id unique for each ``number`` (multiplying by an odd constant mod 2**64 is
    one-to-one)."""
    value = (number * 0x9E3779B97F4A7C15 + salt) % (1 << 64)
    chars = []
    for _ in range(11):
        chars.append(_ID_ALPHABET[value & 63])
        value >>= 6
    return "".join(chars)


def _post_address(
    rng: random.Random, platform: str, account: _Account, number: int
) -> tuple[str, str]:
    """A post id unique on its platform and the URL the platform would give the post."""
    if platform == "facebook":
        post_id = str(1_000_000_000_000_000 + number * 997 + rng.randrange(997))
        return post_id, f"https://www.facebook.com/{account.handle}/posts/{post_id}"
    if platform == "x":
        post_id = str(1_500_000_000_000_000_000 + number * 4_000_037 + rng.randrange(4_000_037))
        return post_id, f"https://x.com/{account.handle}/status/{post_id}"
    if platform == "tiktok":
        post_id = str(7_000_000_000_000_000_000 + number * 4_000_037 + rng.randrange(4_000_037))
        return post_id, f"https://www.tiktok.com/@{account.handle}/video/{post_id}"
    if platform == "instagram":
        code = _short_code(number, 0x1F3D5B79)
        return code, f"https://www.instagram.com/p/{code}/"
    if platform == "youtube":
        code = _short_code(number, 0x2545F491)
        return code, f"https://www.youtube.com/watch?v={code}"
    account.seq += 1 + (rng.random() < 0.3)  # channels lose a message now and then
    return f"{account.handle}/{account.seq}", f"https://t.me/{account.handle}/{account.seq}"


def generate_demo_records(
    n: int, seed: int, media_prefix: str | None = None
) -> Iterator[dict[str, object]]:
    """Yield ``n`` demo posts in the generic JSONL schema, the same for the same ``seed``."""
    for post in generate_demo_posts(n, seed, media_prefix):
        yield post.record


def write_demo_jsonl(
    path: str | os.PathLike[str], n: int, seed: int, media_dir: str | os.PathLike[str] | None = None
) -> DemoSummary:
    """Write ``n`` demo posts to ``path`` as JSONL (and the demo images to ``media_dir``).

    Media paths in the records are relative to the JSONL file's folder. The file appears whole or
    not at all: it is written beside ``path`` and renamed into place."""
    started = time.perf_counter()
    target = Path(path)
    if n < 1:
        raise TriageError("The number of demo posts must be at least 1")
    if not target.parent.is_dir():
        raise TriageError(f"The folder {target.parent} does not exist")
    media_prefix = None
    media_files = 0
    if media_dir is not None:
        folder = Path(media_dir)
        try:
            media_files = len(write_media(folder))
        except OSError as exc:
            raise TriageError(f"Cannot write the demo images to {folder}: {exc.strerror}") from exc
        media_prefix = Path(os.path.relpath(folder.resolve(), target.parent.resolve())).as_posix()

    by_platform = dict.fromkeys(PLATFORMS, 0)
    by_language = dict.fromkeys(LANGUAGES, 0)
    authors: set[tuple[object, object]] = set()
    adverts = with_media = 0
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            chunk: list[str] = []
            for record, category, _ in generate_demo_posts(n, seed, media_prefix):
                chunk.append(dumps(record))
                by_platform[record["platform"]] += 1  # type: ignore[index]
                by_language[record["language"]] += 1  # type: ignore[index]
                authors.add((record["platform"], record["author_id"]))
                if category != "ordinary":
                    adverts += 1
                if "media" in record:
                    with_media += 1
                if len(chunk) >= 2000:
                    chunk.append("")
                    out.write("\n".join(chunk))
                    chunk.clear()
            if chunk:
                chunk.append("")
                out.write("\n".join(chunk))
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TriageError(f"Cannot write the demo corpus to {target}: {exc.strerror}") from exc
    return DemoSummary(
        path=target,
        posts=n,
        adverts=adverts,
        ordinary=n - adverts,
        accounts=len(authors),
        by_platform=by_platform,
        by_language=by_language,
        posts_with_media=with_media,
        media_files=media_files,
        bytes=target.stat().st_size,
        seconds=time.perf_counter() - started,
    )
