"""Read a blog index page: its post cards (URL, title, date, excerpt) and its pagination."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urldefrag, urlsplit

import lxml.html
from lxml.html import HtmlElement

from blogarchive.dates import find_date_in, parse_date
from blogarchive.profiles import ListingRules
from blogarchive.urls import archive_kind, canonical_url, followable, looks_like_page, same_site

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = {"p", "div", "section", "article", "li", "header", "footer", "span", "time", *_HEADINGS}
# Link texts that lead to the next (older) index page; the arrows are real pager glyphs.
_NEXT_TEXT = re.compile(
    r"^(next( page)?|older( posts| entries)?|more posts|load more|view more|see more)?"
    r"\s*[»\u203a→>\u27e9\u27eb\u226b]*$",
    re.I,
)
# Query parameters index pages paginate with (WordPress, Squarespace, Blogger, generic).
_PAGE_PARAMS = {"page", "paged", "p", "offset", "start", "pg", "updated-max"}
# /page/2/ (WordPress, Ghost, Hugo), /page2/ (Jekyll), /index2.html (Pelican), /index-2.html (Nikola)
_PAGE_PATH = re.compile(r"/page/?\d+/?$|/index-?\d+\.html?$")
_READ_MORE = re.compile(r"^(read|continue|learn|see|view)( reading| more| the post| full post| article)?\W*$", re.I)


@dataclass(frozen=True)
class Card:
    """One post as an index page lists it."""

    url: str
    title: str | None
    date_text: str | None
    excerpt: str | None


@dataclass(frozen=True)
class Listing:
    """What one index page offers: cards, and further index pages to visit."""

    cards: list[Card]
    next_pages: list[str]


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


# each link of an index page is asked about three times (cards, pager, next pages); sized
# for one page's links, not a crawl's, since the strings it keeps alive are every page's own
@lru_cache(maxsize=8192)
def _is_index_page(url: str, listing_url: str) -> bool:
    """True when *url* is another page of the same index (pagination)."""
    u, base = urlsplit(url), urlsplit(listing_url)
    if _PAGE_PATH.search(u.path):
        return True
    same_path = u.path.rstrip("/") == base.path.rstrip("/")
    return same_path and bool(set(parse_qs(u.query)) & _PAGE_PARAMS)


def _leads_to_other_index_page(href: str | None, listing_url: str) -> bool:
    """A pager's link: to another page of the index, not this one (a heading's #anchor)."""
    if not href:
        return False
    target = urldefrag(href)[0]
    return target.rstrip("/") != urldefrag(listing_url)[0].rstrip("/") and _is_index_page(target, listing_url)


def _post_links(tree: HtmlElement, listing_url: str) -> dict[HtmlElement, str]:
    """Anchors that may lead to posts (same site, a page other than an index or the home
    page), each with its post's canonical URL: a card's title link and its "Read more"
    link with tracking parameters are two spellings of one post."""
    found = {}
    for a in tree.iter("a"):
        href = a.get("href")
        if not href:
            continue
        url = urldefrag(href)[0]
        parts = urlsplit(url)
        if not followable(url) or not looks_like_page(url) or not same_site(url, listing_url):
            continue
        if parts.path in ("", "/") or archive_kind(url):
            continue  # the home page; a card's links to its author, tags and categories
        if _is_index_page(url, listing_url) or url.rstrip("/") == listing_url.rstrip("/"):
            continue
        found[a] = canonical_url(url)
    return found


def _plainest(hrefs: list[str]) -> str:
    """The spelling of a post's URL to request: the one with the shortest query (no tracking)."""
    return min(hrefs, key=lambda u: (len(urlsplit(u).query), len(u)))


# An element the standards mark as one entry: HTML's <article>, hAtom's and microformats2's
# entry classes, schema.org's posting types in microdata.
_ENTRY = re.compile(r"\b(h-entry|hentry)\b")
_ENTRY_TYPES = re.compile(r"schema\.org/(BlogPosting|Article|NewsArticle|SocialMediaPosting)\b")


def _is_entry(el: HtmlElement) -> bool:
    return (
        el.tag == "article"
        or bool(_ENTRY.search(el.get("class") or ""))
        or bool(_ENTRY_TYPES.search(el.get("itemtype") or ""))
    )


def _card_for(anchor: HtmlElement, url: str, links: dict[HtmlElement, str], pager: set[HtmlElement]) -> HtmlElement:
    """The card around *anchor*: the entry element the markup names, else the largest
    ancestor that holds links to *url* only, no pager link, and no heading before its
    own title.  The last two matter where an index page lists one post (the last page
    of a pagination, a new blog): no other card bounds the climb there, and the page's
    own heading and pager would join the card."""

    def alone(el: HtmlElement) -> bool:
        anchors = list(el.iter("a"))
        return not any(links[a] != url for a in anchors if a in links) and not any(a in pager for a in anchors)

    for entry in anchor.iterancestors():
        if entry.tag == "body":
            break
        if _is_entry(entry):
            if alone(entry):
                return entry
            break  # an entry around several posts (a page-wide <article>): read by shape
    card = anchor
    while (parent := card.getparent()) is not None and parent.tag != "body" and alone(parent):
        before = _headings_before(parent, card)
        if before and (any(True for _ in card.iter(*_HEADINGS)) or any(h.tag == "h1" for h in before)):
            break  # a card holds one title; the page's h1 is never a card's
        card = parent
    return card


def _headings_before(parent: HtmlElement, card: HtmlElement) -> list[HtmlElement]:
    """Headings in *parent* that precede *card*, neither inside nor around it."""
    around = set(card.iterancestors(*_HEADINGS))
    before = []
    for el in parent.iter():
        if el is card:
            break
        if el.tag in _HEADINGS and el not in around:
            before.append(el)
    return before


def _leaf_blocks(card: HtmlElement) -> list[HtmlElement]:
    """Block elements of a card that hold no other block: its separate texts."""
    return [
        el for el in card.iter() if el.tag in _BLOCKS and not any(d.tag in _BLOCKS for d in el.iterdescendants())
    ] or [card]


# A card's date element: <time>, or hAtom's and microformats2's published class (Pelican's <abbr>).
_DATE_ELEMENT = ('.//time|.//*[contains(concat(" ", normalize-space(@class), " "), " published ")'
                 ' or contains(concat(" ", normalize-space(@class), " "), " dt-published ")]')  # fmt: skip


def _date_of(el: HtmlElement) -> str | None:
    """The element's date as shown, else its machine-readable value (datetime, abbr title)."""
    shown = _text(el)
    if shown and find_date_in(shown):
        return shown
    return el.get("datetime") or el.get("title") or shown or None


def _names_archive(block: HtmlElement) -> bool:
    """True for a card's byline, category or tag line: it links to those archives."""
    return any(archive_kind(a.get("href", "")) for a in block.iter("a"))


def _read_card(card: HtmlElement, url: str) -> Card | None:
    blocks = _leaf_blocks(card)
    date_text, shown_date = None, None
    for el in card.xpath(_DATE_ELEMENT):
        date_text, shown_date = _date_of(el), _text(el)
        break
    if date_text is None:
        texts = [_text(b) for b in blocks]
        # a block that is only a date first (fast), then a date inside a short label (slower search)
        date_text = next((t for t in texts if parse_date(t)), None) or next((t for t in texts if find_date_in(t)), None)
    if date_text is None:
        return None  # a card states its date; a link without one is navigation
    heading = next((el for el in card.iter(*_HEADINGS)), None)
    if heading is not None:
        title = _text(heading)
    else:
        texts = [_text(a) for a in card.iter("a") if not _READ_MORE.match(_text(a))]
        title = max(texts, key=len, default="")
    rest = []
    for block in blocks:
        text = _text(block)
        if not text or text == title or date_text in text or _READ_MORE.match(text) or _names_archive(block):
            continue
        if block.xpath("ancestor::a"):
            continue  # a link's own label ("Share", a date link): no summary is a link
        if shown_date and text == shown_date:
            continue  # a date element's text without its year ("Mar 3"), its full date in an attribute
        if heading is not None and block in heading.iter():
            continue
        rest.append(text)
    return Card(url=url, title=title or None, date_text=date_text, excerpt=" ".join(rest) or None)


def _next_pages(tree: HtmlElement, listing_url: str, rules: ListingRules | None = None) -> list[str]:
    urls = [el.get("href") for el in tree.xpath('//a[contains(concat(" ", @rel, " "), " next ")]|//link[@rel="next"]')]
    if rules and rules.next:
        urls += [el.get("href") for el in tree.cssselect(rules.next)]
    for a in tree.iter("a"):
        href = a.get("href")
        if href and (_is_index_page(href, listing_url) or (_NEXT_TEXT.match(_text(a)) and _text(a))):
            urls.append(href)
    here = urldefrag(listing_url)[0]
    pages = [urldefrag(u)[0] for u in urls if u]
    return [u for u in dict.fromkeys(pages) if u != here and same_site(u, listing_url)]


def _first_text(card: HtmlElement, selector: str | None) -> str | None:
    if not selector:
        return None
    found = card.cssselect(selector)
    return (_text(found[0]) or None) if found else None


def _profile_cards(tree: HtmlElement, rules: ListingRules) -> list[Card]:
    """Cards as a site profile's selectors describe them."""
    cards: dict[str, Card] = {}
    for el in tree.cssselect(rules.card or ""):
        links = el.cssselect(rules.link) if rules.link else list(el.iter("a"))
        href = next((a.get("href") for a in links if a.get("href")), None)
        if not href or href in cards:
            continue
        cards[href] = Card(
            url=urldefrag(href)[0],
            title=_first_text(el, rules.title),
            date_text=_first_text(el, rules.date),
            excerpt=_first_text(el, rules.excerpt),
        )
    return list(cards.values())


def parse_listing(html: str | bytes | HtmlElement, url: str, rules: ListingRules | None = None) -> Listing:
    """Cards and pagination of the index page *html* fetched from *url*.

    With a profile's rules that name a card selector, cards are read by those;
    otherwise by their shape (see _card_for).
    """
    if isinstance(html, HtmlElement):
        tree = html
    else:
        tree = lxml.html.fromstring(html, base_url=url)
        tree.make_links_absolute(url, handle_failures="discard")
    if rules and rules.card:
        return Listing(cards=_profile_cards(tree, rules), next_pages=_next_pages(tree, url, rules))
    links = _post_links(tree, url)
    pager = {a for a in tree.iter("a") if _leads_to_other_index_page(a.get("href"), url)}
    cards: dict[str, Card] = {}
    for anchor, post in links.items():
        if post in cards:
            continue  # first card wins: main content precedes sidebars
        element = _card_for(anchor, post, links, pager)
        hrefs = [urldefrag(a.get("href"))[0] for a in element.iter("a") if links.get(a) == post]
        card = _read_card(element, _plainest(hrefs or [post]))
        if card is not None:
            cards[post] = card
    return Listing(cards=list(cards.values()), next_pages=_next_pages(tree, url, rules))
