"""WARC captures: every response a crawl fetches, kept as WARC 1.1 records (warcio).

A crawl writes `captures/ARCHIVE-TIMESTAMP-NNN.warc.gz` beside its archive (the
folder is BLOGARCHIVE_CAPTURES_DIR; off with `--no-captures`): for each response a
`request` and a `response` record, gzipped one record at a time and flushed, so a
SIGKILL mid-write leaves every earlier record readable.  A 304 is a `revisit` record
(server-not-modified); a body whose payload digest is the one captured last time for
that URL is a `revisit` (identical-payload-digest), so an unchanged night costs a few
hundred bytes a page.  A file is closed and the next one opened at
BLOGARCHIVE_CAPTURE_MAX_BYTES.  The archive's `captures` table indexes every record
(URL, file, offset, status, digest, date): which capture holds each version of a post.

`FromCaptures` answers a crawl's requests from the captures instead of the network:
`blogarchive reextract` runs the crawl again that way, with today's extractor.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from blogarchive.crawlstate import crawl_state
from blogarchive.stages import timed
from blogarchive.storage import Archive, ArchiveError
from blogarchive.urls import canonical_url

NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class Capture:
    """Where one record is, and what it holds (a row of the archive's `captures` table)."""

    url: str
    file: str  # relative to the captures folder
    offset: int
    length: int
    kind: str  # response | revisit
    status: int
    digest: str  # WARC-Payload-Digest (sha1, base32)
    date: str  # WARC-Date
    refers_to: str | None = None  # a revisit's original record's date

    def row(self) -> dict[str, Any]:
        return asdict(self)


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for *body*."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def captures_folder(db_path: str, setting: str = "") -> Path:
    """Where a crawl into *db_path* keeps its captures: the setting, or captures/ beside it."""
    return Path(setting) if setting else Path(db_path).resolve().parent / "captures"


class CaptureWriter:
    """Writes one run's WARC files, rotated at *max_bytes*."""

    def __init__(self, folder: Path, prefix: str, max_bytes: int, last: dict[str, tuple[str, str]]) -> None:
        self.folder, self.prefix, self.max_bytes = folder, prefix, max_bytes
        self.last = dict(last)  # URL → (digest, date) of its last full capture
        self.sequence = 0
        self._file: IO[bytes] | None = None
        self._name = ""
        self._writer: WARCWriter | None = None

    def _open(self) -> tuple[IO[bytes], WARCWriter]:
        if self._file is not None and self._file.tell() >= self.max_bytes:
            self.close()
        if self._file is None or self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.sequence += 1
            self._name = f"{self.prefix}-{self.sequence:03d}.warc.gz"
            self._file = open(self.folder / self._name, "ab")  # kept open for the run
            self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        return self._file, self._writer

    def write(self, url: str, method: str, request_headers: list[tuple[str, str]], status: int,
              response_headers: list[tuple[str, str]], body: bytes) -> Capture:  # fmt: skip
        """The request and response (or revisit) records of one fetch; where the response is."""
        handle, writer = self._open()
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        http = StatusAndHeaders(f"{status} {_reason(status)}", response_headers, protocol="HTTP/1.1")
        digest = payload_digest(body)
        previous = self.last.get(url)
        if status == 304 or (previous is not None and previous[0] == digest and status == 200):
            # a revisit: the headers of this answer, the body of an earlier record
            kind, digest = "revisit", previous[0] if previous else digest
            refers = previous[1] if previous else date
            profile = NOT_MODIFIED_PROFILE if status == 304 else writer.REVISIT_PROFILE_1_1
            headers = {"WARC-Date": date, "WARC-Profile": profile, "WARC-Refers-To-Target-URI": url,
                       "WARC-Refers-To-Date": refers, "WARC-Payload-Digest": digest}  # fmt: skip
            record = writer.create_warc_record(url, "revisit", payload=io.BytesIO(b""), length=0, http_headers=http,
                                               warc_headers_dict=headers)  # fmt: skip
        else:
            # the length given: warcio digests the body in place, with no temporary copy
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                               http_headers=http, warc_headers_dict={"WARC-Date": date})  # fmt: skip
            kind, refers = "response", None
            if status == 200:
                self.last[url] = (digest, date)
        target = urlsplit_path(url)
        request_http = StatusAndHeaders(f"{method} {target} HTTP/1.1", request_headers, is_http_request=True)
        concurrent = {"WARC-Date": date, "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")}
        request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                            http_headers=request_http, warc_headers_dict=concurrent)  # fmt: skip
        offset = handle.tell()
        writer.write_record(record)
        length = handle.tell() - offset
        writer.write_record(request)
        handle.flush()  # a killed crawl leaves every record before this one whole
        return Capture(url, self._name, offset, length, kind, status, digest, date, refers)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file, self._writer = None, None


def urlsplit_path(url: str) -> str:
    """The request target of *url* (path and query), as an HTTP request line has it."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _headers(headers: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in headers.items() for v in vs]


class CaptureRecorder:
    """Scrapy extension: every response fetched from the network, written as it arrives
    (Scrapy's response_downloaded: the body as the server sent it, before decompression)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        db = settings.get("BLOGARCHIVE_DB")
        if not db or not settings.getbool("BLOGARCHIVE_CAPTURES"):
            raise NotConfigured
        self.crawler = crawler
        self.folder = captures_folder(db, settings.get("BLOGARCHIVE_CAPTURES_DIR"))
        # Files in the default folder are named relative to it (an archive moved with its
        # captures/ still reads them); elsewhere by their absolute path, so that export,
        # reextract and prune-captures find them without being told the setting.
        self.named_from = None if self.folder == captures_folder(db) else self.folder.resolve()
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        prefix = f"{Path(db).stem}-{stamp}-{os.getpid()}"
        self.writer = CaptureWriter(self.folder, prefix, settings.getint("BLOGARCHIVE_CAPTURE_MAX_BYTES"),
                                    _last_captures(db))  # fmt: skip
        crawler.signals.connect(self.downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureRecorder:
        return cls(crawler)

    def downloaded(self, response: Response, request: Request, **_: Any) -> None:
        if request.meta.get("held"):
            return  # answered from memory: nothing was fetched
        with timed(self.crawler.stats, "captures"):
            capture = self.writer.write(request.url, request.method, _headers(request.headers), response.status,
                                        _headers(response.headers), response.body)  # fmt: skip
        if self.named_from is not None:
            capture = replace(capture, file=str(self.named_from / capture.file))
        if (state := crawl_state(self.crawler)) is not None:
            state.captured.append(capture.row())  # the store pipeline indexes them in the archive
        self.crawler.stats.inc_value("blogarchive/captured_bytes", capture.length)

    def closed(self, spider: Any) -> None:
        self.writer.close()


def _last_captures(db: str) -> dict[str, tuple[str, str]]:
    if not Path(db).exists():
        return {}
    try:
        with Archive(db, readonly=True) as archive:
            return archive.last_captures()
    except ArchiveError:
        return {}


# --- reading them back ---------------------------------------------------------------


def read_record(folder: Path, capture: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body (as the server sent them) of the response at *capture*."""
    with open(folder / capture["file"], "rb") as handle:
        handle.seek(capture["offset"])
        for record in ArchiveIterator(handle):
            http = record.http_headers
            status = int(http.get_statuscode()) if http is not None else 200
            return status, list(http.headers) if http is not None else [], record.raw_stream.read()
    raise ArchiveError(f"no WARC record at {capture['file']}:{capture['offset']}")


class NotReplayed(IgnoreRequest):
    """A post's page left out of a `reextract --since`: its latest capture is older."""


class FromCaptures:
    """Downloader middleware: with BLOGARCHIVE_REPLAY_FROM (an archive), every request is
    answered from the archive's captures, the latest capture of its URL; none reaches the
    network (a URL never captured fails, as a page that could not be fetched).  With
    BLOGARCHIVE_REPLAY_SINCE (an ISO date), a post whose latest capture is older is not
    replayed (NotReplayed): the archive keeps it as it is.  Listings and feeds always are."""

    def __init__(self, crawler: Crawler) -> None:
        db = crawler.settings.get("BLOGARCHIVE_REPLAY_FROM")
        if not db:
            raise NotConfigured
        self.folder = captures_folder(db, crawler.settings.get("BLOGARCHIVE_CAPTURES_DIR"))
        since = crawler.settings.get("BLOGARCHIVE_REPLAY_SINCE") or ""
        with Archive(db, readonly=True) as archive:
            self.index = archive.capture_index()
            self.older = {canonical_url(url) for url in stale_posts(archive, self.index, since)}
        self.canonical = {canonical_url(url): url for url in self.index}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FromCaptures:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> Response:
        if canonical_url(request.url) in self.older:
            raise NotReplayed(f"captured before the --since date: {request.url}")
        url = request.url if request.url in self.index else self.canonical.get(canonical_url(request.url))
        if url is None:
            raise IgnoreRequest(f"not in the captures: {request.url}")
        status, headers, body = read_record(self.folder, self.index[url])
        request.meta["from_captures"] = True
        scrapy_headers = Headers(headers)
        cls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body)
        return cls(url=request.url, status=status, headers=scrapy_headers, body=body, request=request)


def stale_posts(archive: Archive, index: dict[str, dict[str, Any]], since: str) -> set[str]:
    """The URLs (as archived and as fetched) of the posts whose latest capture predates
    *since* (an ISO date; empty: none)."""
    if not since:
        return set()
    older = set()
    for post in archive.posts():
        urls = {post["url"], post.get("fetched_url") or post["url"]}
        dates = [index[u]["date"] for u in urls if u in index]
        if not dates or max(dates)[:10] < since:
            older |= urls
    return older


def write_warc(posts: list[dict[str, Any]], index: dict[str, dict[str, Any]], folder: Path, out: IO[bytes]) -> int:
    """`export --format warc`: a warcinfo record, then each post's latest captured page (its
    gzip member copied as it is); the number of posts written (a post never captured is not)."""
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {"software": "blogarchive", "format": "WARC File Format 1.1", "description": "the archive's posts"}
    writer.write_record(writer.create_warcinfo_record("blogarchive-export.warc.gz", info))
    written = 0
    for post in posts:
        capture = index.get(post.get("fetched_url") or "") or index.get(post["url"])
        if capture is None or capture["status"] != 200:
            continue
        with open(folder / capture["file"], "rb") as handle:
            handle.seek(capture["offset"])
            out.write(handle.read(capture["length"]))
        written += 1
    return written


def protected(captures: list[dict[str, Any]], versions: list[tuple[str, str]]) -> set[int]:
    """Ids of the response records that hold *versions* ((URL, fetched_at) of a post's current
    or earlier version): for each, the URL's latest 200 response captured no later than it."""
    by_url: dict[str, list[dict[str, Any]]] = {}
    for capture in captures:
        if capture["kind"] == "response" and capture["status"] == 200:
            by_url.setdefault(capture["url"], []).append(capture)
    kept = set()
    for url, fetched_at in versions:
        moment = (fetched_at or "")[:19]
        earlier = [c for c in by_url.get(url, []) if c["date"][:19] <= moment]
        if earlier:
            kept.add(max(earlier, key=lambda c: c["id"])["id"])
    return kept


def to_keep(captures: list[dict[str, Any]], keep: int, pinned: set[int]) -> set[int]:
    """Ids of the records `prune-captures --keep N` keeps: per URL its last N responses and
    every record after the oldest of them (revisits of what is kept), and the pinned ones."""
    by_url: dict[str, list[dict[str, Any]]] = {}
    for capture in sorted(captures, key=lambda c: c["id"]):
        by_url.setdefault(capture["url"], []).append(capture)
    kept = set(pinned)
    for records in by_url.values():
        responses = [c for c in records if c["kind"] == "response"][-keep:]
        oldest = responses[0]["id"] if responses else records[0]["id"]
        kept.update(c["id"] for c in records if c["id"] >= oldest)
    return kept


def rewrite(folder: Path, captures: list[dict[str, Any]], kept: set[int]) -> tuple[dict[int, tuple[str, int]], int]:
    """Copy each file's kept records (each with the request record that follows it) into a new
    file beside it; (new file, offset) of each record moved, and the bytes the old files hold
    beyond them.  The old files stay until the archive points at the new ones (`prune`): a
    prune cut short leaves either the old index and files, or the new, never a mix."""
    moved: dict[int, tuple[str, int]] = {}
    freed = 0
    by_file: dict[str, list[dict[str, Any]]] = {}
    for capture in captures:
        by_file.setdefault(capture["file"], []).append(capture)
    for name, records in by_file.items():
        path = folder / name
        if all(c["id"] in kept for c in records) or not path.exists():
            continue
        records.sort(key=lambda c: c["offset"])
        size = path.stat().st_size
        ends = [c["offset"] for c in records[1:]] + [size]
        survivors = [(c, end) for c, end in zip(records, ends, strict=True) if c["id"] in kept]
        freed += size - sum(end - c["offset"] for c, end in survivors)
        if not survivors:
            continue
        new_name = f"{name.removesuffix('.warc.gz')}-pruned-{datetime.now(UTC):%Y%m%d%H%M%S}.warc.gz"
        with open(path, "rb") as source, open(folder / new_name, "wb") as target:
            for capture, end in survivors:
                source.seek(capture["offset"])
                moved[capture["id"]] = (new_name, target.tell())
                target.write(source.read(end - capture["offset"]))
    return moved, freed


def prune(archive: Archive, folder: Path, keep: int) -> tuple[int, int]:
    """`prune-captures --keep N`: records dropped and bytes freed (see to_keep, protected)."""
    captures = archive.all_captures()
    kept = to_keep(captures, keep, protected(captures, archive.versions()))
    before = set(archive.capture_files())
    moved, freed = rewrite(folder, captures, kept)
    dropped = archive.prune_captures(kept, moved)
    for name in before - set(archive.capture_files()):  # no record left in them
        (folder / name).unlink(missing_ok=True)
    return dropped, freed
