"""A post's versions as text: when each was replaced, what changed, a diff of the body."""

from __future__ import annotations

import difflib
import json
from typing import Any


def render_history(post: dict[str, Any], revisions: list[dict[str, Any]]) -> str:
    """Versions oldest first, the current one last, with a unified diff of body_text between each."""
    versions = [json.loads(r["record"]) for r in revisions] + [post]
    out = [f"{post['url']}: {len(versions)} version(s)"]
    if post.get("removed_at"):
        out.append(f"removed from the site on {post['removed_at']} (kept in the archive)")
    for number, version in enumerate(versions, start=1):
        until = revisions[number - 1]["replaced_at"] if number <= len(revisions) else "now (current)"
        out.append(f"\nversion {number}: first seen {version.get('first_seen')}, until {until}")
        out.append(f"  title: {version.get('title')}")
        if number > 1:
            changed = json.loads(revisions[number - 2]["changed"])
            out.append(f"  changed: {', '.join(changed) or 'nothing visible'}")
            before = (versions[number - 2].get("body_text") or "").splitlines()
            after = (version.get("body_text") or "").splitlines()
            diff = difflib.unified_diff(before, after, f"version {number - 1}", f"version {number}", lineterm="")
            out.extend("  " + line for line in diff)
    return "\n".join(out) + "\n"
