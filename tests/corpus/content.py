"""The corpus's posts: synthetic text, the same 30 posts given to every generator.

Each generator gets these as its own inputs (front matter, database rows); the
ground truth of every field is worked out from them and from the way the
platform is known to render them, never from a generator's output.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# Authors as a site writes them: the punctuation is theirs and must survive.
AUTHORS = ("Dr. Maya Ellison", "Jordan Reyes, PMHNP", "Ana-Lucía Ortiz")
CATEGORIES = ("Anxiety", "Sleep", "Family Life")
TAGS = ("sleep hygiene", "stress", "teens", "medication", "mindfulness", "routines", "school")

_SUBJECTS = ("a short walk", "the evening routine", "a worry journal", "the school run", "a quiet breakfast",
             "the weekly check-in", "a screen-free hour", "the bedtime story", "a slow stretch",
             "the grocery list")  # fmt: skip
_VERBS = ("steadies", "softens", "reshapes", "anchors", "lightens", "frames", "loosens", "settles")
_OBJECTS = ("a crowded week", "the racing mind", "an early alarm", "the long commute", "a tense dinner",
            "the Sunday dread", "a restless night", "the homework hour", "an anxious morning")  # fmt: skip
_TAILS = ("for most families we meet", "more than people expect", "when it is kept simple",
          "if it happens at the same time each day", "once the first week is over",
          "without any special tools")  # fmt: skip

# Titles: a few non-ASCII ones, typographic quotes already typeset (so no platform's
# "smart quotes" filter changes them), and an ampersand.
_TITLES = (
    "Small habits for a calmer week", "Café mornings and the anxious mind", "What a worry journal can do",
    "Sleep after a night shift", "Teens, phones & the bedtime hour", "Über-busy weeks: pacing yourself",
    "When the school run feels heavy", "Niños y pantallas: screens at home", "A slow stretch before bed",
    "Medication questions we hear often", "The Sunday dread, explained", "Routines that survive holidays",
    "Mindfulness without the jargon", "How to plan a first appointment", "Naps: help or hindrance?",
    "Homework hour without the tears", "Łagodny start: gentle mornings", "Stress at work, stress at home",
    "The long commute as quiet time", "Why routines calm children", "Talking to teens about mood",
    "Tea, light and the winter blues", "Handling an early alarm", "Grief and the ordinary day",
    "What “good sleep” really means", "Packing lunches, easing worry", "A screen-free hour, tried",
    "Återhämtning: rest that restores", "Family dinners and tense moments", "Ending the year gently",
)  # fmt: skip
# Posts whose slug keeps its non-ASCII letters (percent-encoded in URLs).
_UNICODE_SLUGS = {1: "café-mornings", 16: "łagodny-start", 27: "återhämtning"}


@dataclass(frozen=True)
class CorpusPost:
    """One post as its author wrote it, before any generator touched it."""

    index: int
    slug: str
    title: str
    published: datetime  # aware, in the blog's zone
    modified: datetime | None
    author: str
    category: str
    tags: tuple[str, ...]
    excerpt: str  # written by hand: never the body's first sentence
    paragraphs: tuple[str, ...]
    heading: str | None  # a subheading before the last paragraph, on some posts

    def markdown_blocks(self) -> list[str]:
        """The body as Markdown blocks, as every generator is given it: paragraphs, and the
        subheading before the last one."""
        blocks = list(self.paragraphs)
        if self.heading:
            blocks.insert(len(blocks) - 1, f"## {self.heading}")
        return blocks

    @property
    def body_words(self) -> str:
        """The body's text in reading order, for the token F1."""
        parts = list(self.paragraphs)
        if self.heading:
            parts.insert(len(parts) - 1, self.heading)
        return "\n".join(parts)


def yaml_front_matter(fields: dict[str, object]) -> str:
    """YAML front matter; each value written as JSON (JSON is YAML: quoted, none reinterpreted)."""
    return "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())


def _sentence(rng: random.Random) -> str:
    text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
    return text[0].upper() + text[1:] + "."


def _slug(title: str) -> str:
    keep = "".join(ch.lower() if ch.isalnum() else " " for ch in title if ch.isascii())
    return "-".join(keep.split())


def corpus_posts(zone: str, count: int = 30, seed: int = 7) -> list[CorpusPost]:
    """The corpus's posts, dated in *zone*: every few days, some late in the evening
    (a day later in UTC) and some just after midnight (a day earlier in UTC)."""
    rng = random.Random(seed)
    tz = ZoneInfo(zone)
    start = datetime(2025, 3, 3, tzinfo=tz)
    hours = [(9, 15), (13, 45), (22, 40), (0, 25), (17, 5), (7, 30)]
    posts = []
    for i in range(count):
        hour, minute = hours[i % len(hours)]
        published = (start + timedelta(days=5 * i)).replace(hour=hour, minute=minute)
        modified = published + timedelta(days=3, hours=2) if i % 4 == 1 else None
        paragraphs = tuple(" ".join(_sentence(rng) for _ in range(rng.randint(3, 5))) for _ in range(rng.randint(3, 6)))
        title = _TITLES[i % len(_TITLES)]
        posts.append(CorpusPost(
            index=i,
            slug=_UNICODE_SLUGS.get(i) or _slug(title),
            title=title,
            published=published,
            modified=modified,
            author=AUTHORS[i % len(AUTHORS)],
            category=CATEGORIES[i % len(CATEGORIES)],
            tags=tuple(sorted({TAGS[i % len(TAGS)], TAGS[(i * 3 + 1) % len(TAGS)]})),
            excerpt=f"In short: {rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} (note {i + 1}).",
            paragraphs=paragraphs,
            heading="What to try this week" if i % 3 == 0 else None,
        ))  # fmt: skip
    return posts
