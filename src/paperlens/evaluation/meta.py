"""What a run measured, so two runs can be told apart: versions, hashes, models, commit."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import paperlens
from paperlens.config import Settings
from paperlens.types import Paper

# Settings that say where things are or how the app is served, not how answers are made.
NOT_IN_CONFIG_HASH = {"data_dir", "papers_dir", "index_dir", "prompts_dir", "eval_dir", "app", "chroma"}


def config_hash(settings: Settings, options: dict[str, Any]) -> str:
    """Hash of the settings that shape answers plus the run options (k, mode, ...)."""
    config = settings.model_dump(mode="json", exclude=NOT_IN_CONFIG_HASH)
    payload = json.dumps({"settings": config, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def corpus_version(papers: dict[str, Paper]) -> str:
    """Changes when any indexed paper is added, removed or edited."""
    payload = "\n".join(f"{pid} {paper.content_hash}" for pid, paper in sorted(papers.items()))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def git_commit(directory: Path | None = None) -> str | None:
    """HEAD of the checkout paperlens runs from, with '-dirty' when it has local changes."""
    where = directory or Path(paperlens.__file__).resolve().parent
    try:
        head = run_git(where, "rev-parse", "HEAD")
        dirty = run_git(where, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head[:12]}-dirty" if dirty else head[:12]


def run_git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.strip()


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
