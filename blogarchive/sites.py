"""Where the known blogs start."""

# The clinic's blog index, as far as we know it; override with -a start_url=... or
# `blogarchive crawl URL`.
CLINIC_BLOG_URL = "https://www.blueumbrellapsychiatry.com/blog"
