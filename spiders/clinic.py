"""The clinic's blog: the generic blog spider with the clinic's start URL and profile.

scrapy crawl clinic [-a start_url=URL]
"""

from __future__ import annotations

from blogarchive.sites import CLINIC_BLOG_URL
from blogarchive.spiders.blog import BlogSpider


class ClinicSpider(BlogSpider):
    """Blue Umbrella Psychiatry's blog (data/sites/clinic.toml)."""

    name = "clinic"
    default_start_url = CLINIC_BLOG_URL
    default_profile = "clinic"
