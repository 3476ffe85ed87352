"""Downloading a task's `sumber` URL (a Google Sheets CSV export) into the run's folder.

A download has one overall deadline (config.DOWNLOAD_DEADLINE_S), not only a timeout per read,
and a body shorter than the server's Content-Length is an error, never a smaller table."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from pipeline import config
from pipeline.errors import InputError

_CHUNK = 1 << 16


def download(url: str, target: Path) -> Path:
    """Fetch `url` into `target` (suffix .xlsx instead when the body is a workbook)."""
    deadline = time.monotonic() + config.DOWNLOAD_DEADLINE_S
    request = urllib.request.Request(url, headers={"User-Agent": "absensi-medsos"})
    timeout = min(config.DOWNLOAD_TIMEOUT_S, config.DOWNLOAD_DEADLINE_S)
    sockets: list[socket.socket] = []
    # The deadline also covers connecting, redirects and a status line or headers trickled byte by
    # byte: when it passes, this download's connections are shut down, which ends any read waiting.
    fired = threading.Event()
    watchdog = threading.Timer(config.DOWNLOAD_DEADLINE_S, _shut_down, args=(sockets, fired))
    watchdog.daemon = True
    watchdog.start()
    try:
        content_type, promised, body = _fetch(url, _opener(sockets).open, request, timeout, deadline)
    except InputError:
        if fired.is_set() or time.monotonic() >= deadline - 0.05:  # the watchdog ended a read: say so
            raise _late(url) from None
        raise
    finally:
        watchdog.cancel()
    if fired.is_set():  # a body without Content-Length ended by the watchdog looks complete: it is not
        raise _late(url)
    return _keep(url, target, body, content_type, promised)


def _fetch(url: str, urlopen, request, timeout: float, deadline: float) -> tuple[str, str | None, bytes]:
    """(Content-Type, Content-Length, body) of `request`; every failure is one InputError."""
    try:
        with urlopen(request, timeout=timeout) as resp:
            content_type = resp.headers.get("Content-Type", "") or ""
            promised = resp.headers.get("Content-Length")
            return content_type, promised, _read_body(resp, url, deadline)
    except urllib.error.HTTPError as exc:
        raise InputError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            reason = f"timed out after {timeout} s"
        raise InputError(f"cannot download {url}: {reason}") from None
    except TimeoutError:
        if time.monotonic() >= deadline - 0.05:
            raise _late(url) from None
        raise InputError(f"cannot download {url}: timed out after {timeout} s") from None
    except http.client.IncompleteRead as exc:
        raise InputError(f"cannot download {url}: the download ended early (received {len(exc.partial):,} "
                         "bytes of a longer body); run again") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise InputError(f"cannot download {url}: {exc}") from None


def _keep(url: str, target: Path, body: bytes, content_type: str, promised: str | None) -> Path:
    """The downloaded body written to `target`, once it is whole and is not a web page."""
    if promised is not None and promised.strip().isdigit() and len(body) < int(promised):
        raise InputError(
            f"cannot download {url}: the download ended early (received {len(body):,} of "
            f"{int(promised):,} bytes); nothing was read from it, run again"
        )
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


class _Recorded(http.client.HTTPConnection):
    sockets: list = []

    def connect(self):
        super().connect()
        self.sockets.append(self.sock)


class _RecordedTLS(http.client.HTTPSConnection):
    sockets: list = []

    def connect(self):
        super().connect()
        self.sockets.append(self.sock)


def _opener(sockets: list) -> urllib.request.OpenerDirector:
    """urllib's opener, recording every connection it opens (redirects too) in `sockets`."""
    plain = type("_Plain", (_Recorded,), {"sockets": sockets})
    tls = type("_TLS", (_RecordedTLS,), {"sockets": sockets})

    class _HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(plain, req)

    class _HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(tls, req, context=self._context)

    return urllib.request.build_opener(_HTTP, _HTTPS)


def _shut_down(sockets: list, fired: threading.Event) -> None:
    fired.set()
    for sock in list(sockets):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _late(url: str) -> InputError:
    return InputError(
        f"cannot download {url}: not complete after {config.DOWNLOAD_DEADLINE_S} s "
        "(the server sends too slowly); run again later or save the sheet as a file in the data directory"
    )


def _read_body(resp, url: str, deadline: float) -> bytes:
    """The whole body, read in chunks; each read may wait only until the overall deadline."""
    sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
    parts: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _late(url)
        if sock is not None:
            sock.settimeout(min(left, config.DOWNLOAD_TIMEOUT_S))
        try:
            chunk = resp.read1(_CHUNK)
        except TimeoutError:
            if time.monotonic() >= deadline - 0.05:
                raise _late(url) from None
            raise
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > config.MAX_INPUT_BYTES:
            raise InputError(f"cannot download {url}: larger than {config.MAX_INPUT_BYTES:,} bytes")
