"""A redis-server on a free port of 127.0.0.1, without persistence, for benchmarks
(Debian's, installed with apt-get when missing)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from nginx import free_port


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server")
    if not binary:
        env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        subprocess.run(["apt-get", "install", "-y", "-q", "redis-server"], check=True, capture_output=True, env=env)
        binary = "/usr/bin/redis-server"
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"redis://127.0.0.1:{port}/0"
