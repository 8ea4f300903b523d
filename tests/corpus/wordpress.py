"""WordPress 6.1 (Debian's `wordpress`) with its bundled default theme, on MariaDB (Debian's).

A private MariaDB server on a socket in the work folder; a copy of
/usr/share/wordpress with a wp-config.php of ours, served by PHP's built-in
server.  WordPress is installed and the posts inserted through its own PHP API
(`wp_install`, `wp_insert_user`, `wp_insert_post`): the site's time zone is
Pacific/Auckland (12 to 13 hours from UTC, so that a day taken from a UTC
stamp is often wrong), posts have hand-written excerpts, one category, tags,
and authors whose display names carry punctuation.  Date permalinks
(/%year%/%monthnum%/%day%/%postname%/), 10 posts a page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tests.corpus import Blog, MissingError, Truth, need
from tests.corpus.content import AUTHORS, CorpusPost, corpus_posts
from tests.helpers import free_port, wait_for_port

ZONE = "Pacific/Auckland"
SOURCE = Path("/usr/share/wordpress")

_CONFIG = """<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:{socket}');
define('DB_CHARSET', 'utf8mb4');
define('WP_HOME', '{origin}');
define('WP_SITEURL', '{origin}');
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
"""
# PHP's built-in server answers a missing file with 404: every path that is not a
# file goes to WordPress, as Apache's rewrite rules would send it.
_ROUTER = """<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/' && is_file(__DIR__ . $path)) return false;
require __DIR__ . '/index.php';
"""
# Install, then add authors and posts through WordPress's API; reads the posts as JSON on stdin.
_SETUP = r"""<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = parse_url(getenv('ORIGIN'), PHP_URL_HOST) . ':' . parse_url(getenv('ORIGIN'), PHP_URL_PORT);
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
wp_install('Quiet Hours Notes', 'admin', 'admin@example.org', true, '', 'a-long-password-1');
update_option('timezone_string', getenv('ZONE'));
wp_delete_post(1, true);  // the sample post and page of every new install
wp_delete_post(2, true);
update_option('posts_per_page', 10);
update_option('blogdescription', 'Notes from a small practice');
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%day%/%postname%/');
$input = json_decode(stream_get_contents(STDIN), true);
$users = [];
foreach ($input['authors'] as $i => $name) {
    $users[$name] = wp_insert_user(['user_login' => "author$i", 'user_pass' => 'a-long-password-2',
        'display_name' => $name, 'nickname' => $name, 'role' => 'author',
        'user_email' => "author$i@example.org"]);
}
$links = [];
foreach ($input['posts'] as $p) {
    $cat = term_exists($p['category'], 'category') ?: wp_insert_term($p['category'], 'category');
    $id = wp_insert_post(['post_title' => $p['title'], 'post_name' => $p['slug'], 'post_content' => $p['content'],
        'post_excerpt' => $p['excerpt'], 'post_status' => 'publish', 'post_author' => $users[$p['author']],
        'post_date' => $p['date'], 'post_date_gmt' => $p['date_gmt'], 'tags_input' => $p['tags'],
        'post_category' => [(int) $cat['term_id']]], true);
    if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
    $links[] = get_permalink($id);
    if ($p['modified']) {
        $GLOBALS['wpdb']->update($GLOBALS['wpdb']->posts,
            ['post_modified' => $p['modified'], 'post_modified_gmt' => $p['modified_gmt']], ['ID' => $id]);
    }
}
wp_insert_post(['post_type' => 'page', 'post_title' => 'About the practice', 'post_status' => 'publish',
    'post_content' => '<!-- wp:paragraph --><p>We are a small practice.</p><!-- /wp:paragraph -->']);
// taxonomies registered their archive rules before there was a permalink structure
create_initial_taxonomies();
flush_rewrite_rules(false);
echo json_encode($links);
"""


def _content(post: CorpusPost) -> str:
    blocks = [f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->" for text in post.paragraphs]
    if post.heading:
        heading = f"<!-- wp:heading -->\n<h2>{post.heading}</h2>\n<!-- /wp:heading -->"
        blocks.insert(len(blocks) - 1, heading)
    return "\n\n".join(blocks)


def _row(post: CorpusPost) -> dict[str, object]:
    """A post as setup.php inserts it: dates local and GMT, as wp_insert_post takes them."""
    modified = post.modified
    return {
        "title": post.title, "slug": post.slug, "content": _content(post), "excerpt": post.excerpt,
        "author": post.author, "date": _stamp(post.published), "date_gmt": _gmt(post.published),
        "tags": list(post.tags), "category": post.category,
        "modified": _stamp(modified) if modified else None, "modified_gmt": _gmt(modified) if modified else None,
    }  # fmt: skip


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _gmt(moment: datetime) -> str:
    return _stamp(moment.astimezone(UTC))


@contextmanager
def _mariadb(work: Path) -> Iterator[Path]:
    """A private MariaDB server on a Unix socket, no TCP, its data in *work*."""
    server, install = need("mariadbd"), need("mariadb-install-db")
    data, socket = work / "mysql", work / "mysql.sock"
    user = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db", *user], check=True, capture_output=True)  # fmt: skip
    proc = subprocess.Popen([server, "--no-defaults", f"--datadir={data}", f"--socket={socket}", "--skip-networking",
                             f"--pid-file={work / 'mysql.pid'}", "--skip-log-bin", *user],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        client = need("mariadb")
        for _ in range(200):
            ready = subprocess.run([client, "--no-defaults", f"--socket={socket}", "-uroot", "-e",
                                    "create database if not exists wordpress"], capture_output=True)  # fmt: skip
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("MariaDB did not start")
        yield socket
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def blog(work: Path) -> Iterator[Blog]:
    php = need("php")
    if not (SOURCE / "wp-content" / "themes" / "twentytwentythree").exists():
        raise MissingError("WordPress and its default theme are not installed (bash .ci/system-deps)")
    posts = corpus_posts(ZONE)
    site = work / "wordpress"
    shutil.copytree(SOURCE, site, symlinks=False)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with _mariadb(work) as socket:
        (site / "wp-config.php").write_text(_CONFIG.format(socket=socket, origin=origin))
        (site / "router.php").write_text(_ROUTER)
        (site / "setup.php").write_text(_SETUP)
        payload = {"authors": list(AUTHORS), "posts": [_row(p) for p in posts]}
        env = {**os.environ, "ORIGIN": origin, "ZONE": ZONE}
        done = subprocess.run([php, str(site / "setup.php")], input=json.dumps(payload), text=True, env=env,
                              check=True, capture_output=True, cwd=site)  # fmt: skip
        # each post's permalink as WordPress made it (its slugs drop accents: café → cafe)
        links = json.loads(done.stdout)
        server = subprocess.Popen([php, "-S", f"127.0.0.1:{port}", "-t", str(site), str(site / "router.php")],
                                  cwd=site, env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_for_port(port)
            yield Blog(
                name="wordpress-twentytwentythree",
                start_url=origin + "/",
                # WordPress states a modified date for every post: the published one until edited
                posts=[
                    Truth(link, replace(p, modified=p.modified or p.published))
                    for link, p in zip(links, posts, strict=True)
                ],
                renders=frozenset({"title", "published", "time", "modified", "excerpt", "author", "tags"}),
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
