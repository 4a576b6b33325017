"""A receiver of Tally's webhook deliveries that checks both signatures (docs/EVENTS.md).

Python 3, standard library only:  TALLY_WEBHOOK_SECRET=whsec_... PORT=9000 python3 webhook_receiver.py
"""
import hashlib
import hmac
import http.server
import json
import os
import time

SECRET = os.environ["TALLY_WEBHOOK_SECRET"].encode()
seen = set()  # event ids already handled: deliveries are at least once


def verify_drip_signature(raw_body: bytes, header: str) -> bool:
    """DRIP's check: HMAC-SHA256 of the exact body."""
    expected = "sha256=" + hmac.new(SECRET, raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")


def verify_tally_signature(raw_body: bytes, timestamp: str, header: str) -> bool:
    """Tally's check: the timestamp, a dot and the exact body, and a timestamp no older than
    five minutes, so that a captured delivery cannot be replayed later."""
    if not timestamp or not header or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = "v1=" + hmac.new(SECRET, timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not (verify_drip_signature(raw, self.headers.get("X-DRIP-Signature"))
                and verify_tally_signature(raw, self.headers.get("X-Tally-Timestamp"),
                                           self.headers.get("X-Tally-Signature"))):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(raw)
        if event["id"] not in seen:
            seen.add(event["id"])
            print(json.dumps({"verified": event["seq"], "type": event["type"]}), flush=True)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "0"))), Receiver)
print(json.dumps({"listening": server.server_address[1]}), flush=True)
server.serve_forever()
