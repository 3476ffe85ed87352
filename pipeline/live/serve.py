"""`make serve`: an output folder on localhost for a laptop, without directory listings.

Python's http.server lists every folder without an index.html, which would show the live
pages' tokens; this handler answers 404 for any folder without one, for dot paths (.live/
holds the token store, .history, .staging) and for live-links.csv (the list of every page).
Production: any static web server with listings off (README: nginx `autoindex off`).
"""

from __future__ import annotations

import functools
import http.server
from pathlib import Path
from urllib.parse import unquote

from pipeline.live.tokens import LINKS_FILE


class NoListingHandler(http.server.SimpleHTTPRequestHandler):
    """Static files only: no directory listing, no dot paths, no live-links.csv."""

    def list_directory(self, path):  # noqa: ARG002 - the signature of the base class
        self.send_error(404, "Not found")
        return None

    def send_head(self):
        parts = [unquote(p) for p in self.path.split("?", 1)[0].split("#", 1)[0].split("/") if p]
        if any(p.startswith(".") for p in parts) or (parts and parts[-1] == LINKS_FILE):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Robots-Tag", "noindex, nofollow")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


def make_server(out: Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    handler = functools.partial(NoListingHandler, directory=str(Path(out).resolve()))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(out: Path, port: int = 8000, host: str = "127.0.0.1") -> None:
    server = make_server(out, port, host)
    print(f"serving {Path(out).resolve()} on http://{host}:{server.server_address[1]}/ "
          "(no folder listings; Ctrl+C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
