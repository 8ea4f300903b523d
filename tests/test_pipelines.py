from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from blogarchive.extract import parse_post
from blogarchive.items import PostItem
from blogarchive.listing import Card
from blogarchive.merge import merge
from blogarchive.pipelines.canonical import CanonicalURLPipeline
from blogarchive.pipelines.dedupe import DedupePipeline
from blogarchive.pipelines.normalise import normalise
from blogarchive.pipelines.store import StorePipeline
from blogarchive.storage import Archive


def _item(url: str = "https://clinic.example/post", **fields: object) -> PostItem:
    base = {"title": "A post", "body_text": "Body text of the post.", "excerpt": "Summary."}
    return PostItem(url=url, **{**base, **fields})


def test_normalise_tidies_text_and_never_decides_a_date() -> None:
    item = normalise(_item(published_raw="  February 5,\n 2026 ", title="  Two   spaces \n"))
    assert (item.published, item.published_raw, item.title) == (None, "February 5, 2026", "Two spaces")
    item = _item(published="2024-03-07", date_source="page", published_raw="May 1, 2025")
    assert normalise(item).published == "2024-03-07"


def test_a_card_date_is_decided_in_merge_from_its_claim() -> None:
    body = "".join(f"<p>Paragraph {n} of a post without a date of its own, at some length.</p>" for n in range(5))
    article = parse_post(f"<html><body><article><h1>A post</h1>{body}</article></body></html>", "https://b.example/p")
    assert article is not None
    item = merge(article, Card("https://b.example/p", "A post", "Posted on February 5, 2026", None), None)
    assert (item.published, item.date_source, item.published_raw) == (
        "2026-02-05",
        "listing",
        "Posted on February 5, 2026",
    )


def test_normalise_tidies_lists_and_images() -> None:
    images = [{"url": "/img/a.png", "alt": " A  picture "}, {"url": "https://cdn.example/b.png", "alt": ""}]
    item = normalise(_item(tags=[" anxiety", "anxiety", ""], images=images))
    assert item.tags == ["anxiety"]
    assert item.images == [
        {"url": "https://clinic.example/img/a.png", "alt": "A picture"},
        {"url": "https://cdn.example/b.png", "alt": ""},
    ]


def test_canonical_and_dedupe() -> None:
    canon, dedupe = CanonicalURLPipeline(), DedupePipeline()
    first = dedupe.process_item(canon.process_item(_item("https://Clinic.example/post/?utm_source=x")))
    assert first.url == "https://clinic.example/post"
    assert first.fetched_url == "https://Clinic.example/post/?utm_source=x"
    with pytest.raises(DropItem):
        dedupe.process_item(canon.process_item(_item("https://clinic.example/post#top")))


def _record(**fields: object) -> dict:
    return {"url": "https://clinic.example/post", "title": "A post", "body_text": "Body.", "tags": ["a"], **fields}


def test_archive_counts_new_unchanged_updated_and_keeps_revisions(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    assert archive.save_batch([_record()])["new"] == 1
    assert archive.save_batch([_record()])["unchanged"] == 1
    assert archive.save_batch([_record(title="A better title")])["updated"] == 1
    assert archive.count() == 1
    (post,) = archive.posts()
    assert post["title"] == "A better title" and post["tags"] == ["a"]
    assert post["first_seen"] <= post["last_seen"]
    (rev,) = archive.db["revisions"].rows
    assert json.loads(rev["changed"]) == ["title"]
    assert json.loads(rev["record"])["title"] == "A post"


def test_archive_never_replaces_a_body_with_an_empty_page(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    archive.save_batch([_record()])
    assert archive.save_batch([_record(body_text="", title="")])["kept"] == 1
    (post,) = archive.posts()
    assert post["body_text"] == "Body." and post["title"] == "A post"


def test_store_pipeline_writes_in_batches(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    crawler = get_crawler(settings_dict={"BLOGARCHIVE_DB": str(db), "BLOGARCHIVE_BATCH_SIZE": 3})
    crawler.stats.open_spider()
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    reader = Archive(db)
    for n in range(2):
        pipe.process_item(_item(f"https://clinic.example/p{n}"))
    assert reader.count() == 0  # still buffered: no transaction per item
    pipe.process_item(_item("https://clinic.example/p2"))
    assert reader.count() == 3
    pipe.process_item(_item("https://clinic.example/p3"))
    pipe.close_spider()
    assert reader.count() == 4
    assert crawler.stats.get_value("blogarchive/new") == 4


def test_removed_posts_are_marked_never_deleted_and_restored(tmp_path: Path) -> None:
    from blogarchive.storage import Batch

    archive = Archive(tmp_path / "r.db")
    archive.save_batch([_record()])
    assert archive.apply(Batch(gone=["https://clinic.example/post"]))["removed"] == 1
    assert archive.apply(Batch(gone=["https://clinic.example/post"]))["removed"] == 0  # marked once
    (post,) = archive.posts()
    assert post["removed_at"] and post["body_text"] == "Body."
    assert list(archive.posts(include_removed=False)) == []
    counts = archive.save_batch([_record()])
    assert counts["restored"] == 1
    (post,) = archive.posts()
    assert not post["removed_at"]


def test_full_text_search_stays_in_sync(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "s.db")
    archive.save_batch([_record(body_text="Notes on lanterns and harbours.")])
    assert [h["url"] for h in archive.search("lanterns")] == ["https://clinic.example/post"]
    archive.save_batch([_record(body_text="Notes on kites.")])
    assert archive.search("lanterns") == [] and len(archive.search("kites")) == 1


def test_sitemap_lastmod_is_kept_only_for_posts_seen_in_the_crawl(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "s.db")
    seen, unseen = "https://clinic.example/seen", "https://clinic.example/unseen"
    archive.save_batch([_record(url=unseen)])
    archive.db.execute("update posts set last_seen = '2000-01-01T00:00:00+00:00'")  # an earlier crawl
    crawl_started = "2020-01-01T00:00:00+00:00"
    archive.save_batch([_record(url=seen)])
    lastmods = {seen: "2026-05-01", unseen: "2026-05-02"}
    assert archive.record_sitemap_lastmods(lastmods, crawl_started) == 1
    assert archive.record_sitemap_lastmods(lastmods, crawl_started) == 0  # unchanged: no write
    stored = {post["url"]: post["sitemap_lastmod"] for post in archive.posts()}
    # a post this crawl did not see keeps no lastmod: a change the sitemap announces is still fetched
    assert stored == {seen: "2026-05-01", unseen: None}
