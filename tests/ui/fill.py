"""Fill a test store with realistic-looking posts straight through SQL (fast, deterministic).

The window tests need thousands of posts in many languages, right-to-left ones included; going
through SQL keeps that to a fraction of a second and independent of the importers."""

from __future__ import annotations

import random
import uuid
from typing import Any

TEXTS = [
    ("en", "Boat leaving from the beach Friday night, 3 places left, call +44 7700 900123"),
    ("en", "Real passports and residence permits, fast delivery, DM for prices"),
    ("en", "Bring a friend and your place is half price. Safe trip to Italy guaranteed"),
    ("en", "Lovely sunset at the harbour today, nothing to see here"),
    ("fr", "Passage en bateau vers l'Angleterre, départ garanti, contactez-nous sur WhatsApp"),
    ("es", "Viaje seguro a España, plazas limitadas, pago al llegar"),
    ("ar", "رحلة بحرية إلى إيطاليا يوم الجمعة، بقي ثلاثة أماكن فقط، تواصل معنا على واتساب"),
    ("ar", "جوازات سفر حقيقية وإقامات بأسعار مناسبة، التوصيل سريع"),
    ("ckb", "گەشتی بەلەم بۆ بەریتانیا، شوێنی کەم ماوە، پەیوەندیمان پێوە بکەن"),
    ("fa", "سفر امن به اروپا با قایق، قیمت ویژه برای گروه ها"),
    ("en", "Testimonial: we arrived safely, thank you brother, highly recommend"),
    ("en", "Money transfer via hawala, any country, low fees"),
]
PLATFORMS = ["facebook", "telegram", "tiktok", "x", "youtube"]


def fill_posts(store: Any, n: int, *, seed: int = 7, start: int = 0) -> list[int]:
    """Insert ``n`` posts with accounts and return their ids in insertion order."""
    rng = random.Random(seed)
    conn = store.conn
    with store.transaction():
        conn.execute(
            "INSERT INTO imports(uuid, path, sha256, size, format, actor, started_at, finished_at,"
            " inserted) VALUES (?, 'fill', '0', 0, 'jsonl', ?, '2024-01-01', '2024-01-01', ?)",
            (str(uuid.uuid4()), store.user, n),
        )
        import_id = conn.execute("SELECT max(id) FROM imports").fetchone()[0]
        accounts = []
        for a in range(max(1, n // 20)):
            platform = PLATFORMS[a % len(PLATFORMS)]
            conn.execute(
                "INSERT OR IGNORE INTO accounts(uuid, platform, platform_account_id, handle, "
                "display_name) VALUES (?,?,?,?,?)",
                (str(uuid.uuid4()), platform, f"acc{start}-{a}", f"user_{start}_{a}", f"User {a}"),
            )
            accounts.append(
                (
                    conn.execute(
                        "SELECT id FROM accounts WHERE platform = ? AND platform_account_id = ?",
                        (platform, f"acc{start}-{a}"),
                    ).fetchone()[0],
                    platform,
                )
            )
        rows = []
        for i in range(n):
            lang, text = TEXTS[i % len(TEXTS)]
            account_id, platform = accounts[rng.randrange(len(accounts))]
            rows.append(
                (
                    str(uuid.uuid4()),
                    platform,
                    f"p{start + i}",
                    account_id,
                    1_700_000_000 + rng.randrange(0, 90 * 86400),
                    f"{text} #{start + i}",
                    lang,
                    round(rng.random(), 4),
                    import_id,
                    (start + i) // 3 if i % 7 == 0 else None,
                )
            )
        conn.executemany(
            "INSERT INTO posts(uuid, platform, platform_post_id, account_id, posted_at, text, "
            "language, priority, import_id, imported_at, cluster_id) "
            "VALUES (?,?,?,?,?,?,?,?,?,'2024-01-01T00:00:00Z',?)",
            rows,
        )
        # The clusters' sizes, as enrichment keeps them beside posts.cluster_id.
        conn.execute(
            "INSERT INTO clusters(id, size) SELECT cluster_id, count(*) FROM posts "
            "WHERE cluster_id IS NOT NULL GROUP BY cluster_id "
            "ON CONFLICT(id) DO UPDATE SET size = excluded.size"
        )
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM posts WHERE import_id = ? ORDER BY id", (import_id,)
            )
        ]
    return ids
