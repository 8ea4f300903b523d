"""Scrapy settings for blogarchive: polite defaults for real sites.

A crawl of a site on this machine (127.0.0.1, the demo and the tests) drops the
delays: see spiders/clinic.py, ClinicSpider.from_crawler.
"""

from blogarchive import __version__

BOT_NAME = "blogarchive"
SPIDER_MODULES = ["blogarchive.spiders"]
NEWSPIDER_MODULE = "blogarchive.spiders"

# Names the tool and its version only: no address that may not exist.  An operator names a
# contact with `-s USER_AGENT="blogarchive/0.1 (+mailto:you@example.org)"` (README: Politeness).
USER_AGENT = f"blogarchive/{__version__} (blog archiving crawler; obeys robots.txt)"
ROBOTSTXT_OBEY = True

# Politeness: one site, a few requests at a time, adapting to its response times.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# A cap on pages per crawl (`--max-pages`): a blog is finite, a crawler trap is not.
CLOSESPIDER_PAGECOUNT = 20000

DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# A blog page is well under a megabyte; anything vastly larger is not a post.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
REDIRECT_MAX_TIMES = 10

# Items processed at once per response: a page yields a post and a few requests, and
# Scrapy starts this many tasks for each response's output whatever it holds.
CONCURRENT_ITEMS = 16

COOKIES_ENABLED = False
# No listening ports: a nightly job needs no remote console.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # pages the spider holds are answered from memory, before anything would fetch them
    "blogarchive.middlewares.HeldPages": 10,
    # a nightly run's requests for known posts are conditional
    "blogarchive.middlewares.KnownPosts": 20,
    # and every other page's, through a cache of what it served last time (off unless the
    # crawl has an archive: blogarchive.fetch.cache_settings); below DownloaderStats (850),
    # which then counts a 304's bytes, not the stored page's
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
    "blogarchive.middlewares.Revalidate": 840,
    # --max-pages: pages that reach the network, counted after the cache answered what it could
    "blogarchive.middlewares.PageCap": 845,
    # `blogarchive reextract`: every page from the archive's WARC captures, none from the network
    "blogarchive.captures.FromCaptures": 15,
    # before everything else, so that redirected requests are checked too
    "blogarchive.safety.SafetyMiddleware": 50,
}


# The address a download connects to is checked too (DNS rebinding: blogarchive.safety).
TWISTED_DNS_RESOLVER = "blogarchive.safety.GuardedResolver"

# One fetch per page however its links spell it (tracking parameters, slashes, fragments).
REQUEST_FINGERPRINTER_CLASS = "blogarchive.fingerprint.CanonicalFingerprinter"

ITEM_PIPELINES = {
    "blogarchive.pipelines.normalise.NormalisePipeline": 100,
    "blogarchive.pipelines.canonical.CanonicalURLPipeline": 200,
    "blogarchive.pipelines.dedupe.DedupePipeline": 300,
    # off unless BLOGARCHIVE_ASSETS_DIR is set (`blogarchive crawl --assets`)
    "blogarchive.pipelines.assets.AssetsPipeline": 800,
    "blogarchive.pipelines.store.StorePipeline": 900,
}

# the run's record for `scrapy crawl` and Scrapyd jobs (the command line writes its own)
EXTENSIONS = {"blogarchive.runs.RunRecord": 600, "blogarchive.captures.CaptureRecorder": 610}

# blogarchive's own settings
BLOGARCHIVE_DB = "data/blog.db"
BLOGARCHIVE_BATCH_SIZE = 100
# A nightly run stops walking the index after this many cards in a row that the
# archive already holds unchanged (0: never stop early; --full also walks it all).
BLOGARCHIVE_STOP_AFTER = 10
# Where downloaded images and PDFs go (content-addressed); empty: not downloaded.
BLOGARCHIVE_ASSETS_DIR = ""
# Processes that read pages (parse, extract) while Scrapy fetches: -1 is one per core
# when politeness is off (DOWNLOAD_DELAY 0), none otherwise; 0 reads them in-process.
BLOGARCHIVE_WORKERS = -1
# The pool opens after this many pages: a small blog is done before workers would start.
BLOGARCHIVE_POOL_AFTER = 100
# Set by the CLI when it already holds the archive's lock.
BLOGARCHIVE_LOCK_HELD = False
# the runs row of this crawl (set by `blogarchive crawl`): the run before it decides the early stop
BLOGARCHIVE_RUN_ID = None
# distributed mode: at most one request per this many seconds to a host, across every worker
# (set for each job by blogarchive.distributed.worker_settings: DOWNLOAD_DELAY for a real site)
BLOGARCHIVE_SHARED_PACE = 0.0
# blogs crawled side by side in one process share one page-reading pool (blogarchive.crawl.shared_pool)
BLOGARCHIVE_PAGE_POOL = None
# WARC captures of every response (blogarchive.captures): on for crawls into an archive;
# the folder (empty: captures/ beside the archive) and the size at which a file is rotated
BLOGARCHIVE_CAPTURES = True
BLOGARCHIVE_CAPTURES_DIR = ""
BLOGARCHIVE_CAPTURE_MAX_BYTES = 1_000_000_000
# an archive whose captures answer every request instead of the network (reextract)
BLOGARCHIVE_REPLAY_FROM = ""
# with it, posts whose latest capture is older than this ISO date are left as they are
BLOGARCHIVE_REPLAY_SINCE = ""
