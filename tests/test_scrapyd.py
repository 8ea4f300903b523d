"""The spiders deploy to Scrapyd and a crawl is scheduled through its HTTP API."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import requests

from blogarchive.demo.site import DemoPost
from tests.helpers import ROOT, archived_posts, free_port, wait_for_port

_NOT_BUILT = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")


def _NOT_SOURCES(folder: str, names: list[str]) -> set[str]:  # noqa: N802  (shutil's ignore protocol)
    """What the egg is not built from: caches, and data/ but its bundled site profiles."""
    if Path(folder).resolve() == (ROOT / "data").resolve():
        return {n for n in names if n != "sites"}
    return set(_NOT_BUILT(folder, names))


def _api(url: str, **form: str) -> dict:
    data = urllib.parse.urlencode(form).encode() if form else None
    with urllib.request.urlopen(url, data=data, timeout=30) as response:
        return json.loads(response.read())


def test_a_crawl_scheduled_through_scrapyds_api(base_url: str, posts: list[DemoPost], tmp_path: Path) -> None:
    # the egg, built by scrapyd-deploy from a copy of the checkout (it writes build files)
    src, egg = tmp_path / "src", tmp_path / "blogarchive.egg"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCES)
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    built = subprocess.run([str(deploy), "--build-egg", str(egg)], cwd=src, capture_output=True, text=True)
    assert built.returncode == 0 and egg.exists(), built.stderr
    import zipfile

    assert "blogarchive/sites_data/clinic.toml" in zipfile.ZipFile(egg).namelist()  # the clinic spider's profile

    home, port = tmp_path / "scrapyd", free_port()
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\n"
        f"logs_dir = {home}/logs\ndbs_dir = {home}/dbs\nitems_dir =\npoll_interval = 0.2\nmax_proc = 1\n"
    )
    server = subprocess.Popen([str(Path(sys.executable).with_name("scrapyd"))], cwd=home,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    api = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, seconds=30)
        with egg.open("rb") as handle:
            added = requests.post(f"{api}/addversion.json", data={"project": "blogarchive", "version": "1"},
                                  files={"egg": handle}, timeout=60).json()  # fmt: skip
        assert added["status"] == "ok" and "blog" in _api(f"{api}/listspiders.json?project=blogarchive")["spiders"]
        db = tmp_path / "scheduled.db"
        job = _api(f"{api}/schedule.json", project="blogarchive", spider="blog", start_url=f"{base_url}/blog",
                   setting=f"BLOGARCHIVE_DB={db}")["jobid"]  # fmt: skip
        deadline = time.monotonic() + 180
        while job not in {j["id"] for j in _api(f"{api}/listjobs.json?project=blogarchive")["finished"]}:
            assert time.monotonic() < deadline, "the scheduled crawl did not finish"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = next((home / "logs").rglob("*.log")).read_text()
    rows = archived_posts(db)
    assert sorted(r["title"] for r in rows) == sorted(p.title for p in posts), log[-3000:]
