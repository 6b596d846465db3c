"""A department's system for the webhook tests: a real HTTP server on a free port that checks our signature.

It keeps one ticket per Idempotency-Key, as the docs ask of a receiving system, so a repeated
delivery is visible as a repeat and not as a second ticket. `lose_answers=n` makes it store the
first n requests and then drop the connection without answering, like a timeout after the work.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from stadtlotse.connectors import webhook
from stadtlotse.testing.smtp import free_port


class Receiver:
    def __init__(self, secret, port=None, lose_answers=0):
        self.secret = secret
        self.port = port or free_port()
        self.lose_answers = lose_answers
        self.requests = []       # every POST that reached us: (headers, document)
        self.tickets = {}        # Idempotency-Key → document: what the department's system holds
        self.lock = threading.Lock()
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    webhook.verify(receiver.secret, self.headers.get(webhook.TIMESTAMP_HEADER),
                                   self.headers.get(webhook.SIGNATURE_HEADER), body)
                except webhook.SignatureError:
                    self.send_response(401)
                    self.end_headers()
                    return
                document = json.loads(body)
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), document))
                    receiver.tickets.setdefault(key, document)
                    number = list(receiver.tickets).index(key) + 1
                    lose = receiver.lose_answers > 0
                    if lose:
                        receiver.lose_answers -= 1
                if lose:
                    self.close_connection = True
                    self.connection.close()  # the work is done, the answer never arrives
                    return
                answer = json.dumps({"external_id": f"EXT-{number}"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
