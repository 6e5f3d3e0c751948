"""Issue 13's Done-when: "a folder of mixed real-world exports imports with no silent loss".

A folder of exports written here from the formats' documentation (WhatsApp Android and iOS,
Telegram JSON, an X API v2 page file, twarc2 flatten output, generic CSV with a quoted field over
several lines, CrowdTangle CSV, YouTube search.list, TikTok Research API, a damaged file, a
JSONL file with a bad line in the middle) is imported by the real CLI. For every file the line
accounting adds up to the file's lines (line-based formats) and the records read add up to
posts + skipped + quarantined (every format); the posts in the store are the sum of the
summaries' posts; and every non-blank line of a line-based file (a CSV header aside: it is
counted as the header) is found in a post, a system notice or a quarantined record."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from tests.conftest import run_cli
from triage_app.ingest.accounting_text import lines_text
from triage_app.ingest.lines import LineTally

WHATSAPP_ANDROID = (
    "18/03/2022, 14:56 - Messages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "18/03/2022, 14:57 - Omar: Departure Friday from Zuwara\n"
    "price 2500 euro\n"
    "\n"
    "call now +218 91 000 0001\n"
    "18/03/2022, 14:58 - Omar: <Media omitted>\n"
    "18/03/2022, 25:61 - Sara: a header whose time cannot be read\n"
    "18/03/2022, 15:02 - Ali: last seats"
)
WHATSAPP_IOS = (
    "[18/03/2022, 14:56:01] Crossing: \u200eMessages and calls are end-to-end encrypted. No one "
    "outside of this chat, not even WhatsApp, can read or listen to them.\n"
    "[18/03/2022, 14:57:02] Karim: boat leaves at night\n"
    "life jackets included\n"
    "[19/03/2022, 09:00:00] Karim: \u200eimage omitted\n"
    "[19/03/2022, 09:01:00] Lina: how much for two\n"
)
TELEGRAM = {
    "name": "Trips",
    "type": "private_group",
    "id": 4001,
    "messages": [
        {
            "id": 1,
            "type": "service",
            "date": "2023-01-01T10:00:00",
            "date_unixtime": "1672567200",
            "actor": "Admin",
            "action": "create_group",
            "text": "",
        },
        {
            "id": 2,
            "type": "message",
            "date": "2023-01-01T10:01:00",
            "date_unixtime": "1672567260",
            "from": "Admin",
            "from_id": "user77",
            "text": "telegram crossing tonight",
        },
        {
            "id": 3,
            "type": "message",
            "date": "2023-01-01T10:02:00",
            "date_unixtime": "1672567320",
            "from": "Admin",
            "from_id": "user77",
            "text": [{"type": "bold", "text": "telegram"}, " seats left"],
        },
    ],
}
X_V2_PAGES = (
    json.dumps(
        {
            "data": [
                {
                    "id": "1500000000000000001",
                    "text": "v2 page boat friday",
                    "author_id": "900",
                    "created_at": "2022-03-18T10:00:00.000Z",
                },
                {
                    "id": "1500000000000000002",
                    "text": "v2 page call now",
                    "author_id": "900",
                    "created_at": "2022-03-18T10:01:00.000Z",
                },
            ],
            "includes": {"users": [{"id": "900", "username": "seaways", "name": "Sea Ways"}]},
            "meta": {"result_count": 2},
        }
    )
    + "\n{this line is damaged\n"
    + json.dumps({"data": [], "meta": {"result_count": 0}})
    + "\n"
    + json.dumps(
        {
            "data": [
                {
                    "id": "1500000000000000003",
                    "text": "v2 page last",
                    "author_id": "900",
                    "created_at": "2022-03-18T10:02:00.000Z",
                }
            ],
            "includes": {"users": [{"id": "900", "username": "seaways"}]},
        }
    )
    + "\n"
)


def _flat(tweet_id: str, text: str) -> str:
    return json.dumps(
        {
            "id": tweet_id,
            "text": text,
            "author_id": "901",
            "created_at": "2022-03-19T10:00:00.000Z",
            "edit_history_tweet_ids": [tweet_id],
            "author": {"id": "901", "username": "flatboats", "name": "Flat Boats"},
            "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.12"},
        }
    )


TWARC_FLAT = (
    _flat("1600000000000000001", "flattened tweet one")
    + "\n\n"
    + _flat("1600000000000000002", "flattened tweet two")
    + "\n"
)
GENERIC_CSV = (
    "platform,post_id,created_at,text\n"
    'x,csv1,1647600000,"first line of a quoted field\nsecond line of it\nthird line"\n'
    "x,csv2,1647600060,a one-line csv post\n"
    "\n"
    "x,csv3,not a date,csv row with a bad date\n"
    "x,csv4,1647600120,csv after the bad row\n"
)
CROWDTANGLE = (
    "Page Name,User Name,Facebook Id,Post Created,Type,Likes,URL,Message\n"
    'Sea Trips,seatrips,100064000000001,2023-11-05 22:56:36 EST,Photo,"1,204",'
    'https://www.facebook.com/100064000000001/posts/987654321012345,"crowdtangle daily trips\n'
    'second line of the message"\n'
    "Sea Trips,seatrips,100064000000001,2023-11-06 10:00:00 EST,Status,12,"
    "https://www.facebook.com/100064000000001/posts/987654321012346,crowdtangle visas\n"
)
YOUTUBE = {
    "kind": "youtube#searchListResponse",
    "items": [
        {
            "kind": "youtube#searchResult",
            "id": {"kind": "youtube#video", "videoId": "vidACC00001"},
            "snippet": {
                "publishedAt": "2024-02-01T08:00:00Z",
                "channelId": "UCboats",
                "title": "youtube trips &amp; visas",
                "description": "youtube call us",
                "channelTitle": "Boats",
            },
        },
        {
            "kind": "youtube#searchResult",
            "id": {"kind": "youtube#channel", "channelId": "UCother"},
            "snippet": {"publishedAt": "2024-02-01T08:00:00Z", "title": "a channel"},
        },
    ],
}
TIKTOK = {
    "data": {
        "videos": [
            {
                "id": 7234567890123450001,
                "create_time": 1700000000,
                "username": "tiktok_trips",
                "video_description": "tiktok crossing video",
            },
            {"id": 7234567890123450002, "username": "no_time", "video_description": "no time"},
        ],
        "cursor": 2,
        "has_more": False,
    },
    "error": {"code": "ok", "message": ""},
}
GENERIC_JSONL = (
    '{"platform": "x", "post_id": "j1", "text": "jsonl first", "created_at": 1647600000}\n'
    '{"platform": "x", "post_id": "j2", "text": "jsonl broken line in the middle"\n'
    '{"platform": "x", "post_id": "j3", "text": "jsonl third", "created_at": 1647600060}\n'
)
LINE_FILES = {
    "WhatsApp Chat with Boats.txt": WHATSAPP_ANDROID,
    "ios/_chat.txt": WHATSAPP_IOS,
    "x_v2_pages.jsonl": X_V2_PAGES,
    "twarc2_flat.jsonl": TWARC_FLAT,
    "posts.csv": GENERIC_CSV,
    "crowdtangle.csv": CROWDTANGLE,
    "bad_line.jsonl": GENERIC_JSONL,
}
JSON_FILES = {"telegram/result.json": TELEGRAM, "youtube.json": YOUTUBE, "tiktok.json": TIKTOK}


def _folder(tmp_path: Path) -> Path:
    case = tmp_path / "case"
    for name, text in LINE_FILES.items():
        (case / name).parent.mkdir(parents=True, exist_ok=True)
        (case / name).write_text(text, encoding="utf-8")
    for name, value in JSON_FILES.items():
        (case / name).parent.mkdir(parents=True, exist_ok=True)
        (case / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    damaged = json.dumps(TELEGRAM)[:200]  # cut short: damaged JSON, refused whole
    (case / "damaged").mkdir()
    (case / "damaged" / "result.json").write_text(damaged, encoding="utf-8")
    return case


def _content(line: str) -> list[str]:
    """What a line says: the texts of a JSON line (a page's tweets are kept one by one, not as
    the page), else the line itself (a line that is not JSON is kept whole in quarantine)."""
    try:
        value = json.loads(line)
    except ValueError:
        return [line.strip().lstrip("\u200e")]
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def test_a_mixed_folder_imports_with_no_silent_loss(tmp_path: Path) -> None:
    case = _folder(tmp_path)
    env = {"TRIAGE_PLAIN_STORE": "1"}
    code, out, err = run_cli("import", str(case), "--no-enrich", "--json", env=env)
    assert code == 0, err
    summaries = {Path(s["path"]).relative_to("case").as_posix(): s for s in json.loads(out)}
    assert set(summaries) == {*LINE_FILES, *JSON_FILES, "damaged/result.json"}

    damaged = summaries.pop("damaged/result.json")
    assert damaged["error"] and "damaged or truncated" in damaged["error"]
    assert damaged["inserted"] == 0

    for name, s in summaries.items():
        assert s["error"] is None, (name, s["error"])
        items = s["items"]
        # every record read is a post, skipped with a reason, or quarantined
        assert items["seen"] == items["posts"] + items["skipped"] + items["quarantined"], name
        assert items["posts"] == s["inserted"] + s["present"], name
        assert items["quarantined"] == s["quarantined"], name
        assert sum(s["skipped_reasons"].values()) == items["skipped"], name
        if name in LINE_FILES:
            lines = s["lines"]
            assert lines is not None, name
            assert lines["total"] == _line_count(LINE_FILES[name]), name
            parts = lines["posts"] + lines["continuation"] + lines["notices"]
            assert parts + lines["quarantined"] == lines["total"], (name, lines)
        else:
            assert s["lines"] is None, name

    # what each file gave, line by line
    assert summaries["WhatsApp Chat with Boats.txt"]["lines"] == {
        "total": 8,
        "posts": 3,
        "continuation": 3,
        "notices": 1,
        "quarantined": 1,
    }
    assert summaries["ios/_chat.txt"]["lines"] == {
        "total": 5,
        "posts": 3,
        "continuation": 1,
        "notices": 1,
        "quarantined": 0,
    }
    # a page line holding two posts is one post line; the empty page is a notice
    assert summaries["x_v2_pages.jsonl"]["lines"] == {
        "total": 4,
        "posts": 2,
        "continuation": 0,
        "notices": 1,
        "quarantined": 1,
    }
    assert summaries["x_v2_pages.jsonl"]["skipped_reasons"] == {
        "X page with no tweets (errors or empty result)": 1
    }
    assert summaries["twarc2_flat.jsonl"]["lines"] == {
        "total": 3,
        "posts": 2,
        "continuation": 1,
        "notices": 0,
        "quarantined": 0,
    }
    # the header is the notice; a quoted field's 2 further lines and the blank line continue
    assert summaries["posts.csv"]["lines"] == {
        "total": 8,
        "posts": 3,
        "continuation": 3,
        "notices": 1,
        "quarantined": 1,
    }
    assert summaries["crowdtangle.csv"]["lines"] == {
        "total": 4,
        "posts": 2,
        "continuation": 1,
        "notices": 1,
        "quarantined": 0,
    }
    assert summaries["bad_line.jsonl"]["lines"] == {
        "total": 3,
        "posts": 2,
        "continuation": 0,
        "notices": 0,
        "quarantined": 1,
    }
    assert summaries["telegram/result.json"]["items"] == {
        "seen": 3,
        "posts": 2,
        "skipped": 1,
        "quarantined": 0,
    }
    assert summaries["youtube.json"]["items"]["skipped"] == 1
    assert summaries["tiktok.json"]["items"]["quarantined"] == 1

    db = Path(os.environ["TRIAGE_DATA_DIR"]) / "store.db"
    with sqlite3.connect(db) as conn:
        in_store = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        assert in_store == sum(s["inserted"] for s in summaries.values())
        assert in_store == sum(s["items"]["posts"] for s in summaries.values())
        kept = [r[0] for r in conn.execute("SELECT text FROM posts")]
        kept += [r[0] for r in conn.execute("SELECT raw FROM post_raw")]
        kept += [r[0] for r in conn.execute("SELECT raw FROM system_notices")]
        kept += [bytes(r[0]).decode("utf-8") for r in conn.execute("SELECT raw FROM quarantine")]
    everything = "\n".join(kept)
    for name, text in LINE_FILES.items():
        lines = text.splitlines()
        if name.endswith(".csv"):
            lines = lines[1:]  # the header: counted as the file's header, not a record
        for line in lines:
            if line.strip():
                for content in _content(line):
                    assert content in everything, (name, line, content)
    for token in ("telegram crossing tonight", "seats left", "youtube call us"):
        assert token in everything
    assert "tiktok crossing video" in everything


def test_the_human_summary_names_the_four_numbers_and_the_skipped_reasons(tmp_path: Path) -> None:
    case = _folder(tmp_path)
    code, out, err = run_cli("import", str(case), "--no-enrich", env={"TRIAGE_PLAIN_STORE": "1"})
    assert code == 0, err
    assert (
        "  lines 8: 3 posts, 3 continuation, 1 header, 1 quarantined (a quoted field's further "
        "lines and blank lines are continuation)"
    ) in out.splitlines()
    assert (
        "  records 3 read: 2 posts, 1 skipped, 0 quarantined (skipped: 1 Telegram service "
        "message (join, pin, call …))"
    ) in out.splitlines()


def test_tally_settles_each_record_by_what_it_gave() -> None:
    from triage_app.ingest.lines import LineAccount

    account = LineAccount()
    tally = LineTally(account)
    tally.line()  # a header
    tally.notice()
    for outcome, lines in ((LineTally.POST, 3), (LineTally.BAD, 2), (0, 1), (LineTally.NOTICE, 1)):
        tally.start()
        tally.line(lines)
        if outcome:
            tally.outcome(outcome)
    tally.start()  # a page that gave a post and a quarantined tweet is a post line
    tally.line()
    tally.outcome(LineTally.BAD)
    tally.outcome(LineTally.POST)
    tally.finish()
    assert account.as_dict() == {
        "total": 9,
        "posts": 2,
        "continuation": 3,
        "notices": 2,
        "quarantined": 2,
    }
    assert account.balanced()
    assert lines_text(account.as_dict(), "x-v2").startswith("lines 9: 2 posts")


def test_csv_edge_records_are_accounted_for(make_store, tmp_path: Path) -> None:
    """An over-long quoted record over many lines is quarantined line by line; a file with
    old Mac line ends (lone CR) counts its lines as the CSV reader reads them."""
    from triage_app.ingest.pipeline import import_paths

    big = "y" * (600 * 1024)
    long_csv = tmp_path / "long.csv"
    long_csv.write_text(
        "platform,post_id,created_at,text\n"
        f'x,L1,1647600000,"{big}\n{big}\nend of the long field"\n'
        "x,L2,1647600060,after the long record\n",
        encoding="utf-8",
    )
    store = make_store()
    [summary] = import_paths(store, [long_csv], enrich=False)
    assert summary.error is None, summary.error
    assert summary.lines == {
        "total": 5,
        "posts": 1,
        "continuation": 0,
        "notices": 1,
        "quarantined": 3,
    }
    assert summary.items == {"seen": 2, "posts": 1, "skipped": 0, "quarantined": 1}

    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"platform,post_id,created_at,text\rx,M1,1647600000,one\rx,M2,1647600060,two\r")
    [summary] = import_paths(store, [mac], fmt="csv", enrich=False)
    assert summary.error is None, summary.error
    assert summary.lines is not None
    assert (summary.lines["total"], summary.lines["posts"], summary.lines["notices"]) == (3, 2, 1)
