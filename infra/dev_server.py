"""One local origin, like CloudFront in production: `output/` as static files, `/api/*` proxied to
`chalice local` with the `/api` prefix removed (API Gateway's stage name plays that part in AWS),
and `/media/*` (微党课 video and audio) from the S3 stand-in's media bucket, as CloudFront's
`/media/*` behaviour reads the media bucket: GET and HEAD, `Range` passed on (206 with its
`Content-Range`: browsers seek in a video with ranges), the object's own long cache header.

`python infra/dev_server.py --port 8080 --site output --api-port 8001`
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Hop-by-hop headers are for one connection only and must not be forwarded.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
API_PREFIX = "/api"
MEDIA_PREFIX = "/media/"  # chalicelib.lesson_rules.MEDIA_URL_PREFIX
MEDIA_CHUNK = 256 * 1024
# What CloudFront passes on of the media bucket's answer.
_MEDIA_HEADERS = {
    "ContentType": "Content-Type",
    "ContentLength": "Content-Length",
    "ContentRange": "Content-Range",
    "ETag": "ETag",
    "CacheControl": "Cache-Control",
}


@functools.cache
def _media_client(endpoint: str):
    """One client per stand-in (botocore clients are thread-safe; making one takes ~0.3 s)."""
    from infra import s3_standin

    return s3_standin.client(endpoint)


class Handler(SimpleHTTPRequestHandler):
    api_port: int = 0
    media: tuple[str, str] | None = None  # (S3 endpoint, media bucket); None: no /media/*

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # keep the dev console readable; chalice local logs API calls itself

    def end_headers(self) -> None:
        # Mirror production: HTML is short-lived, hashed assets are immutable.
        if not self.path.startswith(API_PREFIX + "/"):
            if self.path.startswith(("/theme/", "/search/", "/qr/", "/images/")):
                self.send_header("Cache-Control", "public, max-age=31536000, immutable")
            else:
                self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The site's own 404 page (Chinese, styled, as CloudFront serves it) for an unknown
        address; anything else as the standard library does."""
        page = Path(self.directory) / "404.html"
        if code != 404 or self.path.startswith(API_PREFIX + "/") or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=60)
        try:
            conn.request(self.command, self.path[len(API_PREFIX) :], body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError:
            self.send_error(502, "API not reachable")
            return
        finally:
            conn.close()
        self.send_response_only(resp.status, resp.reason)
        for key, value in resp.getheaders():
            if key.lower() not in _HOP_BY_HOP | {"content-length", "date", "server"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Date", self.date_time_string())
        self.send_header("Connection", "close")
        self.close_connection = True
        super(SimpleHTTPRequestHandler, self).end_headers()
        self.wfile.write(data)

    def _media(self) -> None:
        """`/media/<sha256>.<ext>` from the media bucket (a signed request: it is private)."""
        from botocore.exceptions import ClientError

        from chalicelib import lesson_rules

        name = self.path.split("?", 1)[0][len(MEDIA_PREFIX) :]
        if self.media is None or not lesson_rules.MEDIA_NAME.fullmatch(name):
            self.send_error(404)
            return
        endpoint, bucket = self.media
        params = {"Bucket": bucket, "Key": lesson_rules.media_key(name)}
        if self.headers.get("Range"):
            params["Range"] = self.headers["Range"]
        client = _media_client(endpoint)
        try:
            if self.command == "HEAD":
                answer = client.head_object(**params)
            else:
                answer = client.get_object(**params)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 502)
            self.send_error(416 if status == 416 else 404 if status in (403, 404) else 502)
            return
        self.send_response_only(206 if answer.get("ContentRange") else 200)
        for field, header in _MEDIA_HEADERS.items():
            if answer.get(field) is not None:
                self.send_header(header, str(answer[field]))
        if not answer.get("CacheControl"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Date", self.date_time_string())
        self.send_header("Connection", "close")
        self.close_connection = True
        super(SimpleHTTPRequestHandler, self).end_headers()
        if self.command == "HEAD":
            return
        body = answer["Body"]
        try:
            for chunk in iter(lambda: body.read(MEDIA_CHUNK), b""):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the player moved on (a seek): it asks for another range
        finally:
            body.close()

    def _dispatch(self, static: bool) -> None:
        if self.path == API_PREFIX or self.path.startswith(API_PREFIX + "/"):
            self._proxy()
        elif self.path.startswith(MEDIA_PREFIX) and self.media is not None:
            self._media() if static else self.send_error(405)
        elif static:
            super().do_GET() if self.command == "GET" else super().do_HEAD()
        else:
            self.send_error(405)

    def do_GET(self) -> None:
        self._dispatch(static=True)

    def do_HEAD(self) -> None:
        self._dispatch(static=True)

    def do_POST(self) -> None:
        self._dispatch(static=False)

    def do_PUT(self) -> None:
        self._dispatch(static=False)

    def do_DELETE(self) -> None:
        self._dispatch(static=False)

    def do_PATCH(self) -> None:
        self._dispatch(static=False)

    def do_OPTIONS(self) -> None:
        self._dispatch(static=False)

    def _refuse_method(self) -> None:
        """Methods CloudFront does not forward (TRACE, CONNECT, anything unknown): 405 with the
        API's error shape, as for a method no route has (not the stdlib's 501 page)."""
        body = json.dumps(
            {"Code": "MethodNotAllowedError", "Message": "不支持该请求方法"}, ensure_ascii=False
        ).encode()
        self.send_response_only(405)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.close_connection = True
        super(SimpleHTTPRequestHandler, self).end_headers()
        self.wfile.write(body)

    def __getattr__(self, name: str):  # any other method: TRACE, QUERY, ...
        if name.startswith("do_"):
            return self._refuse_method
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # like CloudFront, take a burst of parallel requests (default 5)


def serve(
    port: int, site: Path, api_port: int, media: tuple[str, str] | None = None
) -> ThreadingHTTPServer:
    """Start the server in a daemon thread and return it (call `.shutdown()` to stop). `media`:
    (S3 endpoint, bucket) that `/media/*` reads."""
    handler = type("BoundHandler", (Handler,), {"api_port": api_port, "media": media})
    server = _Server(("127.0.0.1", port), partial(handler, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--site", type=Path, default=Path("output"))
    parser.add_argument("--api-port", type=int, default=8001)
    parser.add_argument("--s3-endpoint", help="the S3 stand-in serving /media/*")
    parser.add_argument("--media-bucket", default="dangjian-dev-media")
    args = parser.parse_args()
    media = (args.s3_endpoint, args.media_bucket) if args.s3_endpoint else None
    server = serve(args.port, args.site, args.api_port, media)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
