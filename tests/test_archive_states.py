"""The archive's promise over any sequence of nights: a stateful property test.

Rules change a served blog (add, edit, delete, restore and rename posts, validators
on and off, a redesign) and crawl it (plain, --full, capped, interrupted with
SIGTERM, killed with SIGKILL) on normal nights, maintenance nights (every page a
maintenance page), nights the site is down (every page 404) and nights some posts
answer 503.  After every crawl:

- every post holds what the site served the last time the crawl fetched it (title,
  date, excerpt, body with no widget text), or, after a crawl that did not finish,
  that or what it held before; every earlier content is in revisions;
- deleted posts are marked removed, and only those; a renamed post is archived once;
- no change is left held after a normal night saw the post; the lock is released and
  no process of a stopped crawl is left;
- a crawl that finished its walk fetched every live post, and a crawl after one that
  did not finish cleanly never stops its walk early.

BLOGARCHIVE_STATE_EXAMPLES sets the number of examples (200 by default; bench/states
runs more).
"""

from __future__ import annotations

import dataclasses
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from blogarchive.demo.server import serve
from blogarchive.demo.site import DemoPost, load_posts
from tests.archive_states import (
    Archived,
    Blog,
    CrawlWorker,
    Snapshot,
    edited,
    in_history,
    lock_is_free,
    matches,
    new_post,
    newest_day,
    stopped_crawl,
)

EXAMPLES = int(os.environ.get("BLOGARCHIVE_STATE_EXAMPLES", "200"))
STEPS = int(os.environ.get("BLOGARCHIVE_STATE_STEPS", "8"))
# Stopped crawls run as real processes (about 2 s each): fewer of them than of the others.
MODES = ("plain", "plain", "plain", "full", "full", "capped", "interrupted", "killed")
NIGHTS = ("normal", "normal", "normal", "normal", "maintenance", "down")
FINISHED = ("ok", "drift", "errors")


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Blog, str, CrawlWorker, Path]]:
    folder = tmp_path_factory.mktemp("states")
    blog = Blog(load_posts(limit=4))
    worker = CrawlWorker(folder / "worker.log")
    with serve(blog, log=blog.log) as origin:
        yield blog, origin, worker, folder
    worker.close()


def test_the_archive_keeps_its_promise_over_any_sequence_of_nights(harness) -> None:
    blog, origin, worker, folder = harness
    pool = load_posts()

    class Nights(RuleBasedStateMachine):
        """The blog, its crawls, and what the archive must hold after each."""

        def __init__(self) -> None:
            super().__init__()
            self.db = Path(tempfile.mkdtemp(dir=folder)) / "blog.db"
            # per post (its original slug): the archived states the archive may hold now,
            # the states it certainly held (in order), every path it was ever served at
            self.expect: dict[str, set[Snapshot | None]] = {}
            self.history: dict[str, list[Snapshot]] = {}
            self.paths: dict[str, set[str]] = {}
            self.added = 0
            self.edits = 0
            self.previous_status: str | None = None

        @initialize(n=st.integers(4, 13))
        def a_blog(self, n: int) -> None:
            blog.reset(pool[:n])
            for post in blog.posts:
                self._track(post)

        def _track(self, post: DemoPost) -> None:
            self.expect.setdefault(post.slug, {None})
            self.history.setdefault(post.slug, [])
            self.paths.setdefault(post.slug, set()).add(blog.path_of(post))

        # --- the site changes ------------------------------------------------------

        @rule()
        def add_a_post(self) -> None:
            self.added += 1
            post = new_post(self.added, newest_day(blog.posts, blog.deleted))
            blog.posts.insert(0, post)
            self._track(post)
            blog.rebuild()

        @precondition(lambda self: blog.posts)
        @rule(i=st.integers(0, 100), what=st.sampled_from(["title", "excerpt", "body"]))
        def edit_a_post(self, i: int, what: str) -> None:
            self.edits += 1
            k = i % len(blog.posts)
            blog.posts[k] = edited(blog.posts[k], self.edits, what)
            blog.rebuild()

        @precondition(lambda self: len(blog.posts) > 1)
        @rule(i=st.integers(0, 100))
        def delete_a_post(self, i: int) -> None:
            post = blog.posts.pop(i % len(blog.posts))
            blog.deleted[post.slug] = post
            blog.rebuild()

        @precondition(lambda self: blog.deleted)
        @rule(i=st.integers(0, 100))
        def restore_a_post(self, i: int) -> None:
            slug = sorted(blog.deleted)[i % len(blog.deleted)]
            blog.posts.append(blog.deleted.pop(slug))
            blog.posts.sort(key=lambda p: p.date, reverse=True)
            blog.rebuild()

        @precondition(lambda self: any(self._settled(p) for p in blog.posts))
        @rule(i=st.integers(0, 100))
        def rename_a_post(self, i: int) -> None:
            # a rename only, content unchanged (the post as archived is the post as served)
            settled = [p for p in blog.posts if self._settled(p)]
            post = settled[i % len(settled)]
            blog.renamed[post.slug] = f"{blog.path_of(post)}-renamed"
            self.paths[post.slug].add(blog.path_of(post))
            blog.rebuild()

        def _settled(self, post: DemoPost) -> bool:
            return self.expect.get(post.slug) == {blog.snapshot(post)} and post.slug not in blog.renamed

        @rule()
        def toggle_validators(self) -> None:
            blog.validators = not blog.validators

        @rule()
        def redesign(self) -> None:
            blog.template = 1 - blog.template
            blog.rebuild()

        # --- a crawl ---------------------------------------------------------------

        @rule(
            mode=st.sampled_from(MODES),
            night=st.sampled_from(NIGHTS),
            failing=st.booleans(),
            cap=st.integers(3, 14),
            after=st.integers(3, 40),
        )
        def crawl(self, mode: str, night: str, failing: bool, cap: int, after: int) -> None:
            blog.night = night
            failed = {blog.path_of(p) for p in blog.posts[::3]} if failing else set()
            blog.failing = failed
            blog.log.clear()
            url = f"{origin}/blog"
            try:
                if mode in ("interrupted", "killed"):
                    how = signal.SIGTERM if mode == "interrupted" else signal.SIGKILL
                    stopped_crawl(url, self.db, blog, how, after)
                    summary = None
                else:
                    job = {"start_url": url, "db_path": str(self.db), "stop_after": 4}
                    job |= {"full": True} if mode == "full" else {"max_pages": cap} if mode == "capped" else {}
                    summary = worker.crawl(**job)
            finally:
                blog.night, blog.failing = "normal", set()
            archived = Archived.read(self.db, origin)
            assert lock_is_free(self.db), "the crawl left the archive locked"
            status = archived.runs[-1]["status"] if archived.runs else None
            if mode == "killed":
                assert status in ("running", *FINISHED), status
            finished = status in FINISHED
            if summary is not None and self.previous_status not in ("ok", "drift"):
                # after a run that did not finish cleanly, no early stop: the walk completes the archive
                assert not summary["stopped_early_at"], (self.previous_status, summary)
            walked = summary is not None and not summary["stopped_early_at"]
            self._learn(archived, night, failed, finished, walked)
            self._check(archived, night, finished)
            self.previous_status = status

        def _learn(self, archived: Archived, night: str, failed: set[str], finished: bool, walked: bool) -> None:
            """Update what the archive may hold from what the server answered."""
            answered = blog.answered() if night == "normal" else {}
            for post in blog.posts:
                snap = blog.snapshot(post)
                served = answered.get(snap.path, set()) & {200, 304}
                if walked and finished and night == "normal" and snap.path not in failed:
                    assert served, f"a finished walk never fetched {snap.path}"
                if served:
                    self.expect[post.slug] = {snap} if finished else self.expect[post.slug] | {snap}
            for slug, post in blog.deleted.items():
                path = blog.path_of(post)
                if 404 in answered.get(path, set()):
                    gone = {dataclasses.replace(s, removed=True) if s else None for s in self.expect[slug]}
                    self.expect[slug] = gone if finished else self.expect[slug] | gone
            if finished:
                for slug, states in self.expect.items():
                    (state,) = states if len(states) == 1 else (None,)
                    history = self.history[slug]
                    if state is not None and (not history or not _same(history[-1], state)):
                        history.append(dataclasses.replace(state, removed=False))

        def _check(self, archived: Archived, night: str, finished: bool) -> None:
            owned = {path for paths in self.paths.values() for path in paths}
            live = {path for path, row in archived.rows.items() if not row["removed_at"]}
            assert live <= owned, f"archived as posts but none is: {sorted(live - owned)}"
            everyone = [*blog.posts, *blog.deleted.values()]
            for post in everyone:
                others = [p.excerpt for p in everyone if p.slug != post.slug]
                states = self.expect[post.slug]
                rows = {p: archived.rows.get(p) and _brief(archived.rows[p]) for p in self.paths[post.slug]}
                assert any(self._holds(archived, post.slug, s, others) for s in states), (post.slug, states, rows)
                for snap in self.history[post.slug][:-1]:
                    assert in_history(archived, snap), (post.slug, snap)
            if night == "normal" and finished:
                served = blog.answered()
                stale = [p for p in archived.held if served.get(p, set()) & {200, 304}]
                assert not stale, f"changes still held after the site served these again: {stale}"

        def _holds(self, archived: Archived, slug: str, snap: Snapshot | None, others: list[str]) -> bool:
            here = snap.path if snap else None
            if not matches(archived.rows.get(here) if here else None, snap, others):
                return False
            # the post is live at one path at most: an old slug is moved, never a second copy
            return all(
                not archived.rows.get(p) or archived.rows[p]["removed_at"] for p in self.paths[slug] if p != here
            )

        @invariant()
        def no_duplicate_live_rows(self) -> None:
            archived = Archived.read(self.db, origin)
            urls = [r["url"] for r in archived.rows.values()]
            assert len(urls) == len(set(urls))

    Nights.TestCase.settings = settings(
        max_examples=EXAMPLES,
        # BLOGARCHIVE_STATE_SHRINK=0: report the first failing sequence as found (shrinking can take minutes)
        phases=tuple(Phase) if os.environ.get("BLOGARCHIVE_STATE_SHRINK", "1") == "1" else (Phase.generate,),
        stateful_step_count=STEPS,
        # CI explores the same sequences every run, so that a run fails for the code and not
        # for the draw (a local run draws new ones, and keeps any failure in .hypothesis/)
        derandomize=os.environ.get("CI") == "true",
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run_state_machine_as_test(Nights, settings=Nights.TestCase.settings)


def _same(a: Snapshot, b: Snapshot) -> bool:
    return dataclasses.replace(a, removed=False) == dataclasses.replace(b, removed=False)


def _brief(row: dict) -> dict:
    keys = ("title", "published", "excerpt", "excerpt_source", "removed_at", "moved_to")
    return {k: row[k] for k in keys} | {"body": (row["body_text"] or "")[:80]}
