"""Downloading a task's `sumber` URL (a Google Sheets CSV export) into the run's folder."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

from pipeline import config
from pipeline.errors import InputError


def _download(url: str, target: Path) -> Path:
    """Fetch `url` into `target` (suffix .xlsx instead when the body is a workbook)."""
    request = urllib.request.Request(url, headers={"User-Agent": "absensi-medsos"})
    try:
        with urllib.request.urlopen(request, timeout=config.DOWNLOAD_TIMEOUT_S) as resp:
            content_type = resp.headers.get("Content-Type", "") or ""
            body = resp.read(config.MAX_INPUT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            reason = f"timed out after {config.DOWNLOAD_TIMEOUT_S} s"
        raise InputError(f"cannot download {url}: {reason}") from None
    except TimeoutError:
        raise InputError(f"cannot download {url}: timed out after {config.DOWNLOAD_TIMEOUT_S} s") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot download {url}: {exc}") from None
    if len(body) > config.MAX_INPUT_BYTES:
        raise InputError(f"cannot download {url}: larger than {config.MAX_INPUT_BYTES:,} bytes")
    head = body[:512].lstrip().lower()
    if "text/html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        raise InputError(
            f"cannot use {url}: it returned a web page, not CSV (is the sheet shared as "
            "'anyone with the link' and is the URL a CSV export, .../export?format=csv?)"
        )
    if body.startswith(b"PK\x03\x04"):
        target = target.with_suffix(".xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target
