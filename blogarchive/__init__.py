"""blogarchive: crawl a blog, extract its posts, keep a versioned SQLite archive."""

__version__ = "0.1.0"
