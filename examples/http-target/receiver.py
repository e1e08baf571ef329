"""A service that receives the queue's `http` jobs and checks their signature, with nothing but
Python's standard library. Run: HTTP_JOB_SIGNING_SECRET=... python3 receiver.py [port] (8080)
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["HTTP_JOB_SIGNING_SECRET"].encode()
TOLERANCE_SECONDS = 300


def verify(header, body):
    """True when X-Jobqueue-Signature signs this raw body, with the secret, in the last 5 minutes."""
    fields = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    t, given = fields.get("t", ""), fields.get("v1", "")
    if not t.isdigit() or abs(time.time() - int(t)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.headers.get("X-Jobqueue-Signature"), body):
            self.answer(401, {"error": "bad signature"})
            return
        job = self.headers.get("X-Jobqueue-Job-Id")
        print(f"job {job} attempt {self.headers.get('X-Jobqueue-Attempt')}: {body.decode()}", flush=True)
        self.answer(200, {"received": job})

    def answer(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    server = ThreadingHTTPServer((os.environ.get("HOST", "0.0.0.0"), port), Receiver)
    print(f"listening on {port}", flush=True)
    server.serve_forever()
