"""Between us and the back end: a real HTTP proxy that can misbehave the way city systems do.

- lose_posts=n: forward the first n POSTs of requests, then drop the connection (the request was
  made, the answer is lost);
- tokens=True: turn the back end's `service_request_id` answer into a `token` answer;
- no_updates=True: answer 404 for servicerequestupdates, like a back end without the extension;
- garbage=b"...": answer every request with this body and status 200.
"""

import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stadtlotse.testing.smtp import free_port


class Proxy:
    def __init__(self, target, lose_posts=0, tokens=False, no_updates=False, garbage=None):
        self.target = target.rstrip("/")
        self.port = free_port()
        self.lose_posts, self.tokens, self.no_updates, self.garbage = lose_posts, tokens, no_updates, garbage
        self.log = []
        self.lock = threading.Lock()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}/open311/v2/"

    def __enter__(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.forward(None)

            def do_POST(self):
                self.forward(self.rfile.read(int(self.headers["Content-Length"] or 0)))

            def answer(self, code, body, content_type="text/xml; charset=utf-8"):
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def forward(self, body):
                with proxy.lock:
                    proxy.log.append((self.command, self.path))
                if proxy.garbage is not None:
                    return self.answer(200, proxy.garbage)
                if proxy.no_updates and "servicerequestupdates" in self.path:
                    return self.answer(404, b"<errors><error><code>404</code><description>Not found</description>"
                                            b"</error></errors>")
                request = urllib.request.Request(proxy.target + self.path, data=body, method=self.command,
                                                 headers={"Content-Type": self.headers.get("Content-Type", "")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        code, answer, kind = response.status, response.read(), response.headers["Content-Type"]
                except urllib.error.HTTPError as exc:
                    code, answer, kind = exc.code, exc.read(), exc.headers["Content-Type"]
                if self.command == "POST" and "/requests." in self.path:
                    with proxy.lock:
                        lose = proxy.lose_posts > 0
                        proxy.lose_posts -= 1 if lose else 0
                    if lose:
                        self.close_connection = True
                        self.connection.close()
                        return
                    if proxy.tokens:
                        answer = re.sub(rb"<service_request_id>(.*?)</service_request_id>", rb"<token>\1</token>", answer)
                        answer = re.sub(rb'"service_request_id": ', rb'"token": ', answer)
                self.answer(code, answer, kind)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
