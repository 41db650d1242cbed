"""Headless Chromium for the browser tests: installed from Debian packages when missing, driven
through the packaged chromedriver so Selenium Manager never downloads anything."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LOCK = Path(tempfile.gettempdir()) / "paperlens-chromium-install.lock"
PACKAGES = ["chromium", "chromium-driver"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]


def installed() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def apt_install() -> str | None:
    """Install the packages; returns why it failed, or None. Runs `apt-get update` only when the
    first attempt cannot find them (a stale package list)."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available on this machine"
    if os.geteuid() != 0:
        return "installing chromium needs root (apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env, check=False)
        result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        return f"`{' '.join(install)}` failed: {(result.stderr or result.stdout).strip()[-400:]}"
    return None


def ensure_chromium() -> str | None:
    """Make sure Chromium and chromedriver are there; returns the reason when they cannot be.
    A file lock serializes installs between parallel test processes."""
    if installed():
        return None
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed():
                return None
            problem = apt_install()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    if problem is None and not installed():
        problem = f"{CHROMIUM} or {CHROMEDRIVER} still missing after installing {PACKAGES}"
    return problem


def make_driver(profile_dir: Path):  # type: ignore[no-untyped-def]
    """A fresh headless Chromium with its own profile directory."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile_dir}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    return driver
