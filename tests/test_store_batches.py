"""The store over mixed batches: whatever else a batch holds, no post loses a field.

Every mix of new, changed, unchanged, 304 and 404 posts in one transaction, the
guards that hold a suspicious change back, and redirected old URLs.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from blogarchive.storage import POSTS_SCHEMA, Archive, Batch, suspicions

PARAGRAPH = (
    "Morning light on the harbour wall changes how a long week feels. We walk the pier, count the boats, "
    "and notice which worries are still with us by the time we reach the lighthouse at the end."
)


def _post(n: int, version: int = 0) -> dict:
    """A full record, as the spider produces it (every field of PostItem)."""
    body = f"{PARAGRAPH} Post {n} has its own closing line."
    if version:
        body += f" Edit {version}: a paragraph about tide tables added after readers asked."
    return {
        "url": f"https://clinic.example/post-{n}",
        "title": f"Post number {n}",
        "published": f"2026-01-{n + 1:02d}",
        "published_raw": f"January {n + 1}, 2026",
        "author": "Dr. Maya Ellison",
        "excerpt": f"Excerpt {n}.",
        "body_text": body,
        "body_html": f"<p>{body}</p>",
        "tags": ["walks", f"t{n}"],
        "etag": f'"v{version}"',
        "card_title": f"Post number {n}",
        "card_date": f"January {n + 1}, 2026",
        "site": None,
    }


KINDS = ("new", "changed", "unchanged", "not_modified", "gone")


def _stored(archive: Archive, url: str) -> dict:
    row = archive.find(url)
    assert row is not None, url
    return row


@pytest.mark.parametrize(
    "mix", [combo for r in range(1, len(KINDS) + 1) for combo in itertools.combinations(KINDS, r)]
)
def test_every_mix_of_posts_in_one_batch_keeps_every_field(tmp_path: Path, mix: tuple[str, ...]) -> None:
    archive = Archive(tmp_path / "a.db")
    existing = [n for n, kind in enumerate(mix) if kind != "new"]
    archive.save_batch([_post(n) for n in existing])
    before = {n: _stored(archive, _post(n)["url"]) for n in existing}
    batch = Batch()
    for n, kind in enumerate(mix):
        if kind in ("new", "unchanged"):
            batch.records.append(_post(n))
        elif kind == "changed":
            batch.records.append(_post(n, version=1))
        elif kind == "not_modified":
            batch.unchanged.append(_post(n)["url"])
        else:
            batch.gone.append(_post(n)["url"])
    counts = archive.apply(batch)
    assert counts["new"] == mix.count("new")
    assert counts["updated"] == mix.count("changed")
    assert counts["unchanged"] == mix.count("unchanged") + mix.count("not_modified")
    assert counts["removed"] == mix.count("gone")
    for n, kind in enumerate(mix):
        row = _stored(archive, _post(n)["url"])
        expected = _post(n, version=1 if kind == "changed" else 0)
        for name in ("title", "published", "published_raw", "author", "excerpt", "body_text", "body_html"):
            assert row[name] == expected[name], (kind, name)
        assert json.loads(row["tags"]) == expected["tags"]
        assert row["first_seen"] and row["last_seen"] and row["content_hash"]
        if kind in ("unchanged", "not_modified", "gone"):
            assert row["first_seen"] == before[n]["first_seen"]
            assert row["content_hash"] == before[n]["content_hash"]
        assert bool(row["removed_at"]) == (kind == "gone")
    revisions = list(archive.db["revisions"].rows)
    assert len(revisions) == mix.count("changed")


def test_a_post_seen_without_its_card_keeps_the_stored_card(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    archive.save_batch([_post(1)])
    archive.save_batch([{**_post(1), "card_title": None, "card_date": None}])  # from the sitemap this time
    row = _stored(archive, _post(1)["url"])
    assert (row["card_title"], row["card_date"]) == ("Post number 1", "January 2, 2026")


def test_a_full_record_writes_every_column(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    archive.save_batch([_post(1)])
    archive.save_batch([_post(1, version=1), _post(2)])
    columns = {row["name"] for row in archive.db.execute_returning_dicts("pragma table_info(posts)")}
    assert set(POSTS_SCHEMA) <= columns


def _maintenance(n: int) -> dict:
    text = "We are down for scheduled maintenance and will be back shortly. Thank you for your patience."
    return {**_post(n), "title": "Maintenance", "published": None, "body_text": text, "body_html": f"<p>{text}</p>"}


def test_a_maintenance_night_is_held_and_the_archived_versions_stay(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    archive = Archive(db)
    archive.save_batch([_post(n) for n in range(4)])
    counts = archive.save_batch([_maintenance(n) for n in range(4)])
    assert counts["held"] == 4 and counts["updated"] == 0
    for n in range(4):
        assert _stored(archive, _post(n)["url"])["body_text"] == _post(n)["body_text"]
    held = archive.held_changes()
    assert len(held) == 4 and "lost its date" in held[0]["reasons"]
    assert archive.search("maintenance") == []
    archive.close()
    # the next night serves the same page for every post again: still the site failing
    again = Archive(db)
    assert again.save_batch([_maintenance(n) for n in range(4)])["held"] == 4
    # the site recovers: nothing changed, nothing held any more
    counts = again.save_batch([_post(n) for n in range(4)])
    assert counts["unchanged"] == 4 and again.held_changes() == []


def test_a_held_change_is_confirmed_by_a_later_crawl(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    short = {**_post(1), "body_text": "Moved to our new newsletter."}
    first = Archive(db)
    first.save_batch([_post(1)])
    assert first.save_batch([short])["held"] == 1
    assert first.save_batch([short])["held"] == 1  # the same crawl again is no confirmation
    first.close()
    later = Archive(db)
    counts = later.save_batch([short])
    assert counts["updated"] == 1 and counts["confirmed"] == 1
    assert _stored(later, short["url"])["body_text"] == short["body_text"]
    (revision,) = later.revisions(short["url"])
    assert json.loads(revision["record"])["body_text"] == _post(1)["body_text"]
    assert later.held_changes() == []


def test_accept_applies_held_changes_and_keeps_the_old_version(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    archive.save_batch([_post(1), _post(2)])
    archive.save_batch([_maintenance(1), _maintenance(2)])
    assert archive.accept([_post(1)["url"]]) == 1
    assert _stored(archive, _post(1)["url"])["title"] == "Maintenance"
    assert _stored(archive, _post(2)["url"])["title"] == "Post number 2"
    assert [h["url"] for h in archive.held_changes()] == [_post(2)["url"]]
    assert len(archive.revisions(_post(1)["url"])) == 1
    assert archive.accept() == 1 and archive.held_changes() == []


def test_an_ordinary_edit_is_not_suspicious() -> None:
    assert suspicions(_post(1), _post(1, version=1), twin=False) == []
    other = {**_post(1), "body_text": "A wholly different text on budgeting for a family holiday by the sea, "
             "written for another page of the site, with none of the same phrasing."}  # fmt: skip
    assert suspicions(_post(1), other, twin=False) == ["body rewritten wholesale"]
    assert "same body as another post tonight" in suspicions(_post(1), _post(1, version=1), twin=True)


def test_an_old_url_that_redirects_to_another_post_is_exported_once(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    old, new = _post(1), {**_post(1), "url": "https://clinic.example/post-1-renamed"}
    archive.save_batch([old])
    archive.save_batch([new])
    counts = archive.add_aliases({old["url"]: new["url"]})
    assert counts == {"aliases_added": 1, "moved": 1}
    assert [p["url"] for p in archive.posts(include_removed=False)] == [new["url"]]
    moved = _stored(archive, old["url"])
    assert moved["moved_to"] == new["url"] and moved["body_text"] == old["body_text"]  # kept, never deleted
    assert archive.add_aliases({old["url"]: new["url"]}) == {}


def test_a_held_post_keeps_what_makes_the_next_crawl_fetch_it_again(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    archive.save_batch([{**_post(1), "sitemap_lastmod": "2026-01-01"}])
    since = "2000-01-01T00:00:00+00:00"
    archive.save_batch([{**_maintenance(1), "etag": '"maint"', "sitemap_lastmod": "2026-03-01"}])
    archive.record_sitemap_lastmods({_post(1)["url"]: "2026-03-01"}, since)
    row = _stored(archive, _post(1)["url"])
    assert (row["etag"], row["sitemap_lastmod"]) == ('"v0"', "2026-01-01")
