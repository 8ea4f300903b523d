"""One module per dependency seam: the only places that touch a library beyond its documented
API (internal names, private attributes), each pinned by a contract test (tests/test_seams.py)
that fails when an upgrade changes what blogarchive relies on.

- trafilatura_api: article extraction, metadata, its XML→HTML/text writers, feed links;
- htmldate_api: a page's date, a URL's date;
- pool_api: ending a broken process pool's workers;
- blogarchive.sitemaps (a stage module already): Scrapy's sitemap reader and gzip.
"""
