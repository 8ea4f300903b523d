"""The `blogarchive` command.

Exit status: 0 when all went well, 1 when some pages failed (or no post was
found), 2 for bad input or a fatal error.  Errors are one line on stderr.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sqlite3
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from blogarchive import __version__
from blogarchive.export import FORMATS, TABULAR, Selection, export_rows, parse_fields, select_posts, write_export
from blogarchive.lock import LockedError
from blogarchive.paths import ExportError, settle_export
from blogarchive.profiles import ProfileError, load_profile
from blogarchive.sites import CLINIC_BLOG_URL, Site, SitesError, check_site_name, load_sites
from blogarchive.storage import Archive, ArchiveError
from blogarchive.urls import BadURLError, check_start_url

DEFAULT_DB = "data/blog.db"


class Fatal(click.ClickException):
    """Bad input or a fatal failure: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"blogarchive: error: {self.format_message()}", err=True)


def _open_archive(db: str, readonly: bool = True) -> Archive:
    """The archive for a command; read-only unless the command writes (accept)."""
    try:
        return Archive(db, create=False, readonly=readonly)
    except ArchiveError as err:
        raise Fatal(str(err)) from err


class _OneLineGroup(click.Group):
    """Click's usage errors (three lines: Usage, Try, Error) as the tool's own: one line, exit 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            raise Fatal(f"{err.format_message()} (blogarchive --help)") from err

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            name = f" {ctx.invoked_subcommand}" if ctx.invoked_subcommand else ""
            raise Fatal(f"{err.format_message()} (blogarchive{name} --help)") from err
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:
            # a bug, or a failure nothing above foresaw: one line for cron, the traceback on request
            if ctx.params.get("debug"):
                raise
            what = f"{type(err).__name__}: {err}".splitlines()[0]
            raise Fatal(f"unexpected error ({what}); run again with --debug for the traceback") from err


@click.group(cls=_OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blogarchive")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error (`blogarchive --debug CMD`).")
def main(debug: bool) -> None:
    """Crawl a blog, extract every post, keep a versioned SQLite archive, export it."""


CRAWL_HELP = f"""Crawl the blog at URL (its home or index page) into the archive.

Without URL, crawls the clinic's blog ({CLINIC_BLOG_URL}). Finds posts through the
index pagination, category and tag archives, sitemaps and RSS/Atom feeds; uses the
site profile whose hosts match URL, if any (data/sites/*.toml). Sites on 127.0.0.1
are crawled without delays; real sites get polite defaults (robots.txt, AutoThrottle,
1 s delay, 2 requests at a time, a page cap).
"""


@main.command(help=CRAWL_HELP)
@click.argument("url", required=False)
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite archive to create or update.")
@click.option("--profile", help="Site profile to use: a name from data/sites/ or a path to a TOML file.")
@click.option(
    "--sites",
    "sites_file",
    type=click.Path(dir_okay=False),
    help="A TOML file of [[site]] tables (name, start_url, profile): crawl the blogs side by side into one archive.",
)
@click.option("--site", help="Name this blog in an archive of many (its posts and template carry the name).")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="With --sites: coordinate a distributed crawl in this Redis (workers share every blog's frontier).",
)
@click.option(
    "--workers", type=click.IntRange(0, 64), default=2, show_default=True,
    help="--redis: worker processes started here (0: only `blogarchive worker` processes elsewhere).",
)  # fmt: skip
@click.option(
    "--parallel-sites", type=click.IntRange(1, 64), default=4, show_default=True,
    help="--sites: how many blogs are crawled at once (each keeps its own politeness).",
)  # fmt: skip
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many pages (default 20000).")
@click.option("--full", is_flag=True, help="Re-fetch and re-check every post: no conditional requests, no early stop.")
@click.option(
    "--stop-after",
    type=click.IntRange(min=0),
    help="Stop walking the index after this many known, unchanged posts in a row (default 10; 0: never).",
)
@click.option("--assets", is_flag=True, help="Also download each post's images and linked PDFs (for migrations).")
@click.option(
    "--assets-dir", default="data/assets", show_default=True, help="Where --assets stores files (by content hash)."
)
@click.option("--no-captures", is_flag=True, help="Keep no WARC captures (captures/ beside the archive).")
@click.option("-q", "--quiet", is_flag=True, help="No progress display or summary (for cron); errors still print.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.option(
    "-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
    help="A Scrapy setting, as with `scrapy crawl -s` (e.g. DOWNLOAD_TIMEOUT=10); repeatable.",
)  # fmt: skip
def crawl(
    url: str | None,
    db: str,
    profile: str | None,
    sites_file: str | None,
    site: str | None,
    redis_url: str | None,
    workers: int,
    parallel_sites: int,
    max_pages: int | None,
    full: bool,
    stop_after: int | None,
    assets: bool,
    assets_dir: str,
    no_captures: bool,
    quiet: bool,
    as_json: bool,
    verbose: bool,
    settings: tuple[str, ...],
) -> None:
    """Crawl the blog at URL into the archive (help text: CRAWL_HELP)."""
    from blogarchive.overrides import SettingError, check_setting  # Scrapy's defaults: for crawls only

    if url is not None and not url.strip():
        # never the clinic's default for an empty argument (an unset variable in a script)
        raise Fatal("the start URL is empty: give the blog's address, or no URL for the clinic's blog")

    overrides = {}
    for pair in settings:
        try:
            name, value = check_setting(pair)
        except SettingError as err:
            raise Fatal(str(err)) from err
        overrides[name] = value
    if no_captures:
        overrides["BLOGARCHIVE_CAPTURES"] = "False"  # as -s would give it
    if sites_file:
        if url or profile or site:
            raise Fatal("--sites names each blog, its profile and name: give no URL, --profile or --site with it")
        try:
            sites = load_sites(Path(sites_file))
        except SitesError as err:
            raise Fatal(str(err)) from err
        _check_writable(db)
        if redis_url:
            _crawl_distributed(sites, db, redis_url, workers, parallel_sites, max_pages, full, stop_after, assets,
                               as_json, {name: str(value) for name, value in overrides.items()})  # fmt: skip
            return
        from blogarchive.multisite import SiteOptions, crawl_sites

        options = SiteOptions(max_pages, full, stop_after, assets_dir if assets else None, overrides)
        try:
            status = crawl_sites(sites, db, options, Console(stderr=True), quiet=quiet, as_json=as_json,
                                 verbose=verbose, parallel=parallel_sites)  # fmt: skip
        except LockedError as err:
            raise Fatal(str(err)) from err
        sys.exit(status)
    if redis_url:
        raise Fatal("--redis crawls the blogs of a sites file: give --sites FILE")
    try:
        if site:
            check_site_name(site)
        chosen = load_profile(profile) if profile else None
        url = check_start_url(url) if url else None
    except (BadURLError, ProfileError, SitesError) as err:
        raise Fatal(str(err)) from err
    if url is None and chosen is not None and chosen.start_url is None:
        raise Fatal(f"profile {chosen.name} has no start_url: give the blog's URL")
    _check_writable(db)
    from blogarchive.crawl import run_crawl  # Scrapy loads slowly; other commands skip it

    console = Console(stderr=True)
    url = url or (chosen.start_url if chosen else None)
    try:
        summary = run_crawl(
            url,
            db,
            profile=profile,
            max_pages=max_pages,
            full=full,
            stop_after=stop_after,
            site=site,
            assets_dir=assets_dir if assets else None,
            overrides=overrides,
            console=console,
            quiet=quiet or as_json,
            verbose=verbose,
        )
    except LockedError as err:
        raise Fatal(str(err)) from err
    except OSError as err:  # the lock file or the archive's folder: a full disk, a read-only mount
        raise Fatal(f"cannot write beside the archive {db}: {err.strerror or err}") from err
    if summary.fatal:
        raise Fatal(summary.fatal)
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    elif not quiet:
        for line in summary.lines():
            console.print(line, highlight=False, soft_wrap=True)
    else:  # cron mails what a quiet run prints: make drift and failed pages visible there
        for warning in summary.warnings:
            click.echo(f"blogarchive: warning: {warning}", err=True)
        from blogarchive.runs import failure_lines

        for line in failure_lines(summary.failures):
            click.echo(f"blogarchive: {line}", err=True)
    if summary.finish_reason == "shutdown":
        # Ctrl-C or SIGTERM: what was committed stays; the next run carries on
        console.print("interrupted: posts archived before the stop are kept; run again to finish", style="yellow")
        sys.exit(130)
    if summary.found == 0:
        console.print(f"no posts found at {summary.start_url}: is it the blog's address?", style="yellow")
    if summary.status == "capped":
        console.print("stopped at the page cap (--max-pages): the archive may be incomplete", style="yellow")
    sys.exit(0 if summary.ok else 1)


def _crawl_distributed(
    sites: list[Site],
    db: str,
    redis_url: str,
    workers: int,
    parallel: int,
    max_pages: int | None,
    full: bool,
    stop_after: int | None,
    assets: bool,
    as_json: bool,
    overrides: dict[str, str],
) -> None:
    """`crawl --sites F --redis URL`: the coordinator, with *workers* local workers."""
    if assets:
        raise Fatal("--assets is not available with --redis: download assets with a single-process crawl")
    try:
        from blogarchive.coordinator import crawl_sites_distributed
        from blogarchive.runs import CrawlSummary
    except ImportError as err:
        raise Fatal(f"--redis needs scrapy-redis: pip install 'blogarchive[distributed]' ({err})") from err

    spider_args = {"max_pages": str(max_pages or ""), "full": "1" if full else "",
                   "stop_after": "" if stop_after is None else str(stop_after)}  # fmt: skip
    console = Console(stderr=True)

    def emit(site: Site, summary: CrawlSummary, workers_did: dict) -> None:
        if as_json:
            click.echo(json.dumps({"site": site.name, **summary.as_dict(), **workers_did}))
            return
        console.print(
            f"[bold]site {site.name}[/]: {site.start_url}; pages per worker {workers_did['workers']}, "
            f"{workers_did['recovered']} posts recovered from lost workers",
            highlight=False,
        )
        for line in summary.lines():
            console.print(line, highlight=False, soft_wrap=True)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (systemctl stop, a CI timeout) stops as Ctrl-C does

    signal.signal(signal.SIGTERM, interrupt)
    try:
        status = crawl_sites_distributed(
            sites, db, redis_url, workers, {k: v for k, v in spider_args.items() if v}, overrides, full, emit,
            parallel=parallel, notice=lambda text: console.print(text, style="yellow", highlight=False),
        )  # fmt: skip
    except (ConnectionError, LockedError) as err:
        raise Fatal(str(err)) from err
    except KeyboardInterrupt:
        console.print("interrupted: posts archived before the stop are kept; run again to finish", style="yellow")
        sys.exit(130)
    sys.exit(status)


@main.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The Redis of the distributed crawl.")
@click.option("--max-jobs", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Blogs this worker crawls at once.")  # fmt: skip
@click.option("--idle-exit", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Exit after this long with nothing to do (default: serve until stopped).")  # fmt: skip
@click.option("--session", hidden=True, help="Serve while this Redis key exists (the coordinator's own workers).")
@click.option("-q", "--quiet", is_flag=True, help="Say nothing but errors.")
def worker(redis_url: str, max_jobs: int, idle_exit: float | None, session: str | None, quiet: bool) -> None:
    """Take part in distributed crawls: on any machine that reaches the coordinator's Redis.

    No archive is needed here: the jobs, what the archive knows of each blog, and the
    posts found all go through Redis. Stop with Ctrl-C or SIGTERM (systemd's stop).
    """
    try:
        import redis

        from blogarchive.worker import Worker
    except ImportError as err:
        raise Fatal(f"worker needs scrapy-redis: pip install 'blogarchive[distributed]' ({err})") from err
    try:
        redis.Redis.from_url(redis_url).ping()
    except (redis.RedisError, ValueError) as err:
        raise Fatal(f"cannot reach Redis at {redis_url}: {err}") from err
    console = Console(stderr=True)
    say = (lambda _: None) if quiet else (lambda text: console.print(text, highlight=False))
    Worker(redis_url, max_jobs=max_jobs, idle_exit=idle_exit, session=session, say=say).run()


@contextlib.contextmanager
def _archive_writes(db: str) -> Iterator[None]:
    """Hold the archive's lock (no crawl at the same time) for a command that writes."""
    from blogarchive.lock import archive_lock

    try:
        with archive_lock(db):
            yield
    except LockedError as err:
        raise Fatal(str(err)) from err


def _check_writable(db: str) -> None:
    try:
        Archive(db).close()
    except ArchiveError as err:
        raise Fatal(str(err)) from err


EXPORT_HELP = """Export the archive.

\b
csv, json, jsonl  one row / object per post (url, title, published, modified, author,
                  excerpt, body_text, body_html, tags, first_seen, ...);
                  to --output FILE (replaced whole) or - (stdout)
markdown          OUTPUT/<slug>/index.md with YAML front matter (Hugo, Eleventy)
                  and the post's downloaded images beside it
jekyll            OUTPUT/_posts/DATE-<slug>.md (undated: _drafts/), images in assets/posts/
wxr               a WordPress import file (WXR 1.2), to --output FILE or -
html              a static archive to open from disk: index with search, a page per post
redirects         OUTPUT/redirects.csv, nginx.conf, apache.conf: old URLs to new paths
warc              each post's captured page as fetched (WARC 1.1), to --output FILE

Folder formats never overwrite files without --force.
"""


def _iso_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as err:
        raise click.BadParameter(f"expected a date like 2025-01-31, not {value!r}") from err


@main.command(help=EXPORT_HELP)
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive to read.")
@click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), default="jsonl",
              show_default=True, help="See above.")  # fmt: skip
@click.option("-o", "--output", default="-", show_default=True, help="File or folder to write; - for stdout.")
@click.option("--since", callback=_iso_day, help="Only posts published on or after this date (YYYY-MM-DD).")
@click.option("--until", callback=_iso_day, help="Only posts published on or before this date (YYYY-MM-DD).")
@click.option("--fields", help="Comma-separated fields, in order (csv, json, jsonl).")
@click.option("--include-removed", is_flag=True, help="Also posts the old site no longer serves.")
@click.option("--site", help="Only the posts of this blog (its name in the sites file).")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark (for Excel).")
@click.option(
    "--no-formula-guard", "formula_guard", flag_value=False, default=True,
    help="CSV: write cells as they are, for data tools (by default a cell starting with = + - @ gets a ' "
         "so that a spreadsheet shows it instead of running it).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Folder formats: overwrite existing files.")
@click.option("--assets-dir", default="data/assets", show_default=True, help="Where `crawl --assets` stored files.")
@click.option("--base-path", default="/posts/", show_default=True, help="New site's path prefix for posts.")
@click.option("--site-url", help="WXR: the new site's address (default: the archived blog's).")
@click.option(
    "--assets-url",
    help="WXR: where the files of --assets-dir will be served (e.g. https://new.example/old-assets/): "
         "attachments and body images point there, so the import needs no old site.",
)  # fmt: skip
def export(
    db: str,
    fmt: str,
    output: str,
    since: str | None,
    until: str | None,
    fields: str | None,
    include_removed: bool,
    site: str | None,
    bom: bool,
    formula_guard: bool,
    force: bool,
    assets_dir: str,
    base_path: str,
    site_url: str | None,
    assets_url: str | None,
) -> None:
    """Export the archive (help text: EXPORT_HELP)."""
    try:
        chosen = parse_fields(fields, include_removed)
    except ValueError as err:
        raise Fatal(str(err)) from err
    if since and until and since > until:
        raise Fatal(f"--since {since} is after --until {until}: no post could match")
    selection = Selection(since=since, until=until, include_removed=include_removed, fields=chosen, site=site)
    archive = _open_archive(db)
    try:
        if fmt in TABULAR:
            rows = export_rows(archive, selection)
            count = _write_file(output, lambda out: write_export(rows, fmt, out, chosen, formula_guard),
                                encoding="utf-8-sig" if bom else "utf-8")  # fmt: skip
        elif fmt == "wxr":
            from blogarchive.export_wxr import write_wxr  # migration formats load their libraries on use

            posts = list(select_posts(archive, selection))
            served = {url: f"{assets_url.rstrip('/')}/{info['path']}" for url, info in archive.known_assets().items()
                      if assets_url and (Path(assets_dir) / info["path"]).exists()}  # fmt: skip
            count = _write_file(output, lambda out: write_wxr(posts, out, site_url, served), binary=True)
        elif fmt == "warc":
            from blogarchive.captures import captures_folder, write_warc

            posts, index = list(select_posts(archive, selection)), archive.capture_index()
            folder = captures_folder(db)
            count = _write_file(output, lambda out: write_warc(posts, index, folder, out), binary=True)
        else:
            if output == "-":
                raise Fatal(f"--format {fmt} writes a folder: give --output FOLDER")
            posts = list(select_posts(archive, selection))
            stored = {url: Path(assets_dir) / info["path"] for url, info in archive.known_assets().items()}
            folder = Path(output)
            started = time.time() - 0.01  # a file's mtime may round below the clock's reading
            try:
                if fmt == "markdown":
                    from blogarchive.export_markdown import export_markdown

                    count = export_markdown(posts, folder, stored, force)
                elif fmt == "jekyll":
                    from blogarchive.export_jekyll import export_jekyll

                    count = export_jekyll(posts, folder, stored, force)
                elif fmt == "html":
                    from blogarchive.export_html import export_html

                    count = export_html(posts, folder, stored, force)
                else:
                    from blogarchive.export_redirects import export_redirects

                    count = export_redirects(posts, folder, base_path, force)
                # --force over an earlier export: its files this one did not write go
                settle_export(folder, started)
            except ExportError as err:
                raise Fatal(str(err)) from err
            except OSError as err:
                raise Fatal(f"cannot write {output}: {err.strerror or err}") from err
    finally:
        archive.close()
    if output != "-":
        what = "redirects" if fmt == "redirects" else "posts"
        click.echo(f"exported {count} {what} to {output}", err=True)


def _write_file(output: str, write: Callable[[Any], int], encoding: str = "utf-8", binary: bool = False) -> int:
    """Write an export where the user said, respecting what is there: stdout for "-"; a
    device or FIFO (/dev/null, a pipe) is written to, never replaced; a regular file, or
    one behind a symlink, is replaced at once by a complete temporary file (a failed
    export never leaves half a file where the last good one was), keeping its mode; a
    new file gets the mode the umask gives."""
    if output == "-":
        return write(sys.stdout.buffer if binary else sys.stdout)
    path = Path(output)

    def opened(target: Path | int) -> Any:
        # newline="" lets the csv module write its own line endings
        return open(target, "wb") if binary else open(target, "w", encoding=encoding, newline="")

    try:
        if path.is_dir():
            raise Fatal(f"cannot write {output}: it is a folder")
        if path.exists() and not path.is_file():
            with opened(path) as out:  # a character device, a FIFO, /proc/self/fd/1
                return write(out)
        target = path.resolve() if path.is_symlink() else path  # the link stays, its file is replaced
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o666 & ~_umask()
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            os.fchmod(handle, mode)
            with opened(handle) as out:
                count = write(out)
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError as err:
        raise Fatal(f"cannot write {output}: {err.strerror or err}") from err
    return count


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive whose captures are read and posts updated.")
@click.option("--site", help="Only this blog of an archive of many.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only posts captured on or after this day.")
@click.option("--profile", help="Site profile to extract with (a name from data/sites/ or a TOML file).")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as one JSON object.")
def reextract(db: str, site: str | None, since: datetime | None, profile: str | None, as_json: bool) -> None:
    """Derive every post again from the archive's WARC captures, with today's extractor.

    No request reaches the network. A post that comes out different gets a revision, as
    after a crawl; what changed is counted per field.
    """
    from blogarchive.reextract import blogs, changes, report, snapshot

    since_day = since.date().isoformat() if since else ""
    archive = _open_archive(db)
    try:
        found, before = blogs(archive, site), snapshot(archive, since_day)
        has_captures = bool(archive.capture_files())
    finally:
        archive.close()
    if not found:
        raise Fatal(f"no crawl of {site or 'any blog'} in {db}: nothing to re-derive")
    if not has_captures:
        raise Fatal(f"{db} has no captures (crawled with --no-captures, or before captures were kept)")
    if profile:
        try:
            load_profile(profile)
        except ProfileError as err:
            raise Fatal(str(err)) from err
    from blogarchive.crawl import CrawlJob, run_crawls

    overrides = {"BLOGARCHIVE_REPLAY_FROM": db, "BLOGARCHIVE_CAPTURES": False}
    if since_day:
        overrides["BLOGARCHIVE_REPLAY_SINCE"] = since_day
    jobs = [CrawlJob(url, db, profile, full=True, site=name, overrides=overrides) for name, url in found]
    console = Console(stderr=True)
    try:
        run_crawls(jobs, lambda job, summary: None, parallel=4, console=console, quiet=as_json)
    except LockedError as err:
        raise Fatal(str(err)) from err
    with _open_archive(db) as archive:
        after = snapshot(archive, since_day)
    changed, fields = changes(before, after)
    if as_json:
        click.echo(json.dumps({"posts": len(before), "changed": changed, "fields": dict(fields)}))
    else:
        for line in report(changed, fields, len(before)):
            click.echo(line)


@main.command(name="prune-captures")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive whose captures are pruned.")
@click.option("--keep", type=click.IntRange(min=1), required=True, help="Versions of each URL to keep.")
def prune_captures(db: str, keep: int) -> None:
    """Drop old WARC captures: keep the last N versions of each URL, and every capture of a
    post's current or earlier version (its revisions) whatever its age."""
    from blogarchive.captures import captures_folder, prune

    with _archive_writes(db):
        archive = _open_archive(db, readonly=False)
        try:
            dropped, freed = prune(archive, captures_folder(db), keep)
        except OSError as err:
            raise Fatal(f"cannot rewrite the captures of {db}: {err.strerror or err}") from err
        finally:
            archive.close()
    click.echo(f"dropped {dropped} capture records, freed {freed:,} bytes")


@main.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive to read.")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(min=1), help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run, newest first.")
def status(db: str, limit: int, as_json: bool) -> None:
    """Show the archive's size and its most recent crawl runs."""
    archive = _open_archive(db)
    try:
        runs = archive.runs(limit)
        total = archive.count()
        removed = archive.removed_count()
        held = len(archive.held_changes())
    finally:
        archive.close()
    if as_json:
        for run in runs:
            click.echo(json.dumps(run))
        return
    from rich.table import Table

    table = Table(title=f"{db}: {total} posts ({removed} removed)")
    # header → runs column; short headers keep the table inside 80 columns (cron mail)
    sited = any(run.get("site") for run in runs)  # an archive of many blogs: which run is whose
    columns = {"started": "started", **({"site": "site"} if sited else {}), "status": "status", "pages": "pages",
               "304": "not_modified",
               "found": "found", "new": "new", "upd": "updated", "same": "unchanged", "gone": "removed",
               "err": "errors", "KB": "bytes"}  # fmt: skip
    for header in columns:
        table.add_column(header, justify="left" if header in ("started", "site", "status") else "right", no_wrap=True)
    for run in runs:
        cells = {h: run.get(c) for h, c in columns.items()}
        cells["started"] = (cells["started"] or "")[:16].replace("T", " ")
        cells["KB"] = (cells["KB"] or 0) // 1024
        table.add_row(*("" if v is None else str(v) for v in cells.values()))
    console = Console()
    # piped or mailed by cron: no terminal width to honour, so keep the table whole
    (console if console.is_terminal else Console(width=120)).print(table)
    for run in runs[:1]:
        if run.get("status") == "running":
            click.echo("last run: still running, or it died (killed, crashed): the next run walks the whole index")
        elif not run.get("complete"):
            click.echo(f"last run not complete: {run.get('incomplete') or 'it did not walk every source to its end'}")
        for warning in json.loads(run.get("warnings") or "[]"):
            click.echo(f"last run warning: {warning}")
    if held:
        click.echo(f"{held} changes held back: `blogarchive accept --db {db}` lists them")


@main.command()
@click.argument("urls", nargs=-1)
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive to update.")
@click.option("--all", "accept_all", is_flag=True, help="Accept every held change.")
def accept(urls: tuple[str, ...], db: str, accept_all: bool) -> None:
    """Take held changes (posts whose new version looked like a maintenance page or a broken
    template) into the archive: the archived version goes to the history.  Without URLs
    or --all, lists the held changes."""
    from blogarchive.urls import canonical_url

    if urls and accept_all:
        raise Fatal("give URLs or --all, not both")
    archive = _open_archive(db, readonly=False)
    try:
        held = archive.held_changes()
        if not urls and not accept_all:
            for change in held:
                click.echo(f"{change['url']}  held since {change['held_at']}: {'; '.join(change['reasons'])}")
            if not held:
                click.echo("no held changes", err=True)
            return
        wanted = None if accept_all else {canonical_url(u) for u in urls}
        unknown = sorted((wanted or set()) - {change["url"] for change in held})
        if unknown:
            raise Fatal(f"no held change for {unknown[0]} (`blogarchive accept --db {db}` lists them)")
        with _archive_writes(db):
            applied = archive.accept(wanted)
    finally:
        archive.close()
    click.echo(f"accepted {applied} held changes", err=True)


@main.command()
@click.argument("url")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive to read.")
def history(url: str, db: str) -> None:
    """List the versions of the post at URL (or one of its aliases) and diff their bodies."""
    from blogarchive.history import render_history
    from blogarchive.urls import canonical_url, followable

    if not followable(url):
        raise Fatal(f"not an http(s) URL: {url!r}")
    archive = _open_archive(db)
    try:
        post = archive.find(canonical_url(url)) or archive.find(url)
        if post is None:
            raise Fatal(f"no post at {url} in {db}")
        click.echo(render_history(post, archive.revisions(post["url"])), nl=False)
    finally:
        archive.close()


@main.command()
@click.argument("query")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive to read.")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many matches.")
def search(query: str, db: str, limit: int) -> None:
    """Full-text search of titles, excerpts and bodies (SQLite FTS5 syntax: words, "phrases", OR, prefix*)."""
    archive = _open_archive(db)
    try:
        try:
            hits = archive.search(query, limit)
        except sqlite3.OperationalError as err:
            raise Fatal(f"bad search query {query!r}: {err}") from err
    finally:
        archive.close()
    for hit in hits:
        click.echo(
            f"{hit['published'] or '':10}  {hit['title']}\n            {hit['url']}\n            {hit['snippet']}"
        )
    if not hits:
        click.echo(f"no post matches {query!r}", err=True)
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--url", help="The URL the page was saved from (resolves its links); default: the file's path.")
def extract(files: tuple[str, ...], url: str | None) -> None:
    """Print what extraction gets from saved HTML pages: one JSON line per file."""
    from blogarchive.extract import parse_post

    failed = 0
    for name in files:
        path = Path(name)
        try:
            html = path.read_bytes()
        except OSError as err:
            raise Fatal(f"cannot read {name}: {err.strerror or err}") from err
        article = parse_post(html, url or path.resolve().as_uri())
        if article is None:
            failed += 1
            click.echo(json.dumps({"file": name, "error": "no article text found"}))
            continue
        click.echo(json.dumps({"file": name, **dataclasses.asdict(article)}, ensure_ascii=False))
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--out", default="data/demo", show_default=True, help="Folder for the demo archive and exports.")
def demo(out: str) -> None:
    """Offline demo: serve the bundled clinic-style blog on 127.0.0.1, crawl it, export it."""
    from blogarchive.demo.run import run_demo

    sys.exit(run_demo(Path(out), Console(stderr=True)))
