"""Hostile input against a live Tally server on 127.0.0.1.

Sends a bounded, seeded stream of bad requests (malformed and truncated JSON, deep nesting, huge
numbers, wrong types, unicode and control characters, SQL-injection strings in every parameter,
oversized headers and bodies, slow and half-open connections, wrong methods and paths) and checks
that the server never answers 5xx, never hangs, answers every application-level error with the
JSON body {"error", "message"}, stays alive, and keeps its memory bounded.

Usage: hostile_input.py URL REALM KEY MEMBER_IDS CURRENCY_ID PID [REQUESTS]
Only stdlib; only the URL given (a loopback address) is contacted.
"""

import http.client
import json
import random
import selectors
import socket
import sys
import threading
import time
import urllib.parse

URL, REALM, KEY, MEMBERS, CURRENCY, PID = sys.argv[1:7]
TARGET = int(sys.argv[7]) if len(sys.argv) > 7 else 12_000
MEMBERS = MEMBERS.split(",")
parsed = urllib.parse.urlparse(URL)
HOST, PORT = parsed.hostname, parsed.port
assert HOST in ("127.0.0.1", "localhost", "::1"), "hostile input only targets loopback"
TIMEOUT = 10.0
DEADLINE = time.time() + 600  # a hard bound on the whole run

random.seed(20261127)
lock = threading.Lock()
stats = {"requests": 0, "5xx": 0, "bad_error_body": 0, "timeouts": 0, "protocol_closed": 0, "protocol_400": 0,
         "by_status": {}}
failures = []

SQL = ["' OR '1'='1", "'; DROP TABLE journal; --", "\" OR 1=1 --", "1; DELETE FROM balances", "%27%20OR%201=1",
       "') UNION SELECT secret_hash FROM api_keys --", "\\'", "`rm -rf /`", "$(reboot)", "${jndi:ldap://x}"]
UNICODE = ["٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠١٢٣", "507f1f77bcf86cd79943901\u200b", "\u202e507f1f77bcf86cd799439011",
           "\x00" * 24, "😀" * 24, "ａ" * 24, "e\u0301" * 12, "\ud7ff", "\x7f\x1b[31m", "line\nbreak", "tab\there",
           "\ufeff507f1f77bcf86cd799439011"]
HUGE = ["9223372036854775808", "-9223372036854775809", "1e400", "1E19", "123456789012345678901234567890", "0.1",
        "-0", "1e2", "NaN", "Infinity", "-Infinity", "0x10", "+5", "01", "1_000"]
WRONG = ["null", "true", "false", "[]", "{}", "\"5\"", "1.5", "[1]", "{\"a\":1}"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
BASE = f"/api/v1/realms/{REALM}"
M = MEMBERS[0]
PATHS = [
    f"{BASE}/members/transaction", f"{BASE}/members/{M}/balance", f"{BASE}/members/{M}/transfer",
    f"{BASE}/members/", f"{BASE}/members/search", f"{BASE}/members/leaderboard", f"{BASE}/members",
    f"{BASE}/members/{M}", f"{BASE}/members/{M}/metadata", f"{BASE}/members/{M}/transactions", BASE,
    f"{BASE}/currencies", f"{BASE}/currencies/{CURRENCY}", f"{BASE}/currencies/{CURRENCY}/metadata",
    f"{BASE}/currencies/{CURRENCY}/unarchive", "/api/v1/accounts/find", "/api/v1/realms", "/api/v1/health",
    "/docs/json", f"/api/v1/realm/{REALM}/members/batch-point-balance",
]


def good_batch():
    return {"updates": [{"dripId": random.choice(MEMBERS), "amount": random.randint(1, 5)}], "initiatorId": "hostile"}


def bodies():
    """Bad JSON bodies, each a bytes object."""
    valid = json.dumps(good_batch()).encode()
    out = [valid[: random.randint(0, len(valid) - 1)] for _ in range(3)]  # truncated
    out.append(bytes(random.getrandbits(8) for _ in range(random.randint(1, 64))))  # random bytes
    out.append(b"\xff\xfe\xfd{\"updates\":[]}")  # invalid UTF-8
    depth = random.choice([64, 600, 5_000, 100_000])
    out.append(b"[" * depth + b"]" * depth)
    out.append(b'{"metadata":' + b'{"a":' * min(depth, 2_000) + b"1" + b"}" * min(depth, 2_000) + b"}")
    out.append(('{"updates":[{"dripId":"%s","amount":%s}]}' % (M, random.choice(HUGE))).encode())
    field, value = random.choice(["updates", "dripId", "amount", "currencyId", "initiatorId", "recipientId",
                                  "name", "metadata", "username", "default"]), random.choice(WRONG)
    out.append(('{"%s":%s,"updates":[{"dripId":"%s","amount":1,"%s":%s}]}' % (field, value, M, field, value)).encode())
    text = random.choice(SQL + UNICODE)
    out.append(json.dumps({"updates": [{"dripId": text, "amount": 1}], "initiatorId": text, "name": text,
                           "username": text, "recipientId": text, "amount": 1, "metadata": {text: text}}).encode())
    out.append(json.dumps({"updates": [{"dripId": M, "amount": 1, "currencyId": random.choice(SQL)}]}).encode())
    return out


def check_response(status, headers, body, method, protocol_invalid=False):
    if protocol_invalid and status == 400 and body == b"" and (headers.get("Connection") or "").lower() == "close":
        # Rejected by the HTTP parser (header over the limit, too many headers): it never reaches
        # the application, so it gets a bodiless 400 and the connection closes.
        with lock:
            stats["requests"] += 1
            stats["protocol_400"] += 1
        return
    with lock:
        stats["requests"] += 1
        stats["by_status"][status] = stats["by_status"].get(status, 0) + 1
        if status >= 500:
            stats["5xx"] += 1
            failures.append(f"{status}: {body[:200]!r}")
            return
    if status >= 400 and method != "HEAD":
        try:
            payload = json.loads(body)
            ok = isinstance(payload.get("error"), str) and isinstance(payload.get("message"), str)
        except Exception:
            ok = False
        if not ok:
            with lock:
                stats["bad_error_body"] += 1
                failures.append(f"{status} without a JSON error body: {body[:200]!r}")


def request(conn, method, path, body=None, headers=None, protocol_invalid=False):
    headers = dict(headers or {})
    headers.setdefault("Authorization", f"Bearer {KEY}")
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        check_response(response.status, response.headers, data, method, protocol_invalid)
        return conn
    except (socket.timeout, TimeoutError):
        with lock:
            stats["timeouts"] += 1
            failures.append(f"timeout: {method} {path[:80]}")
    except (ConnectionError, http.client.HTTPException, OSError):
        with lock:
            stats["protocol_closed"] += 1
    conn.close()
    return http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)


def worker(count):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)
    for _ in range(count):
        if time.time() > DEADLINE:
            return
        kind = random.random()
        if kind < 0.35:
            path = random.choice(PATHS[:3] + PATHS[8:9] + PATHS[11:15] + PATHS[16:17] + PATHS[19:20] + PATHS[6:7])
            conn = request(conn, random.choice(["PATCH", "POST"]), path, random.choice(bodies()))
        elif kind < 0.55:
            text = urllib.parse.quote(random.choice(SQL + UNICODE), safe="")
            query = random.choice(["search", "values", "value", "type", "sortBy", "sortOrder", "page", "limit",
                                   "take", "after", "cursor", "currencyId", "status", "isDefault", "includeArchived"])
            path = random.choice(PATHS[3:7] + PATHS[9:10] + PATHS[11:12] + PATHS[15:16])
            conn = request(conn, "GET", f"{path}?{query}={text}&type=username&values=x")
        elif kind < 0.7:
            junk = urllib.parse.quote(random.choice(SQL + UNICODE), safe="")
            path = random.choice(PATHS).replace(REALM, random.choice([junk, REALM])).replace(M, random.choice([junk, M]))
            conn = request(conn, random.choice(METHODS), path, random.choice([None, b"{}"]))
        elif kind < 0.8:
            conn = request(conn, random.choice(METHODS), random.choice(
                ["/", "//", "/api", "/api/v1/../../etc/passwd", "/%00", "/api/v1/realms/%FF%FE", "/" + "a" * 4_000,
                 "/api/v1/realms//members", "/docs/json/../json", "/api/v1/realms/" + "9" * 5_000]))
        elif kind < 0.9:
            auth = random.choice(["", "Bearer", "Bearer " + "x" * 5_000, "Basic Zm9vOmJhcg==", f"Bearer {KEY}\u00e9",
                                  "Bearer " + random.choice(SQL), f"bearer  {KEY}", "Bearer tally_" + "0" * 89])
            try:
                conn = request(conn, "PATCH", PATHS[0], json.dumps(good_batch()).encode(), {"Authorization": auth})
            except UnicodeEncodeError:
                pass
        else:
            headers = {}
            choice = random.random()
            protocol_invalid = False
            if choice < 0.3:
                size = random.choice([1_000, 20_000, 100_000])
                headers["X-Big"] = "h" * size
                protocol_invalid = size > 16 * 1024
            elif choice < 0.5:
                count = random.choice([50, 150])
                for index in range(count):
                    headers[f"X-H{index}"] = "v"
                protocol_invalid = count > 95
            elif choice < 0.7:
                headers["Idempotency-Key"] = random.choice(SQL + ["k" * 300, "ok-key"])
            body = json.dumps(good_batch()).encode()
            if random.random() < 0.3:
                body = b'{"updates":[' + b'{"dripId":"%s","amount":1},' % M.encode() * 40_000 + b'{"dripId":"x","amount":1}]}'
            conn = request(conn, "PATCH", PATHS[0], body, headers, protocol_invalid)
    conn.close()


def raw(payload, read=True, hold=0.0):
    """Sends raw bytes on a fresh connection; counts a 5xx as a failure."""
    sock = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
    try:
        sock.sendall(payload)
        if hold:
            time.sleep(hold)
        if read:
            data = sock.recv(65_536)
            with lock:
                stats["requests"] += 1
            if data.startswith(b"HTTP/1.1 5") or data.startswith(b"HTTP/1.0 5"):
                with lock:
                    stats["5xx"] += 1
                    failures.append(f"raw 5xx: {data[:120]!r}")
    except (socket.timeout, TimeoutError):
        with lock:
            stats["timeouts"] += 1
            failures.append(f"raw timeout: {payload[:60]!r}")
    except OSError:
        with lock:
            stats["protocol_closed"] += 1
    finally:
        sock.close()


def protocol_abuse():
    target = PATHS[0].encode()
    cases = [
        b"GARBAGE\r\n\r\n", b"PATCH " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"PATCH " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"PATCH " + target + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        b"PATCH " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,  # a TLS hello
        b"FOO /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /api/v1/health HTTP/1.1\r\n" + b"X: y\r\n" * 2_000 + b"\r\n",
        b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Null: a\x00b\r\n\r\n",
    ]
    for payload in cases * 10:
        raw(payload)
    # Lying Content-Length: promise 100 bytes, send 10, then close.
    for _ in range(20):
        sock = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
        sock.sendall(b"PATCH " + target + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"updates\"")
        sock.close()


def read_until_closed(socks, deadline):
    """Reads every socket in `socks` until the server closes it: recv returns b"" (end of stream)
    or fails with a reset. Answers (such as 408 or 400) are read past, since a server may answer
    and still keep the connection. Stops at `deadline`; returns how many sockets the server
    closed and how many it answered first."""
    closed, answered = 0, set()
    selector = selectors.DefaultSelector()
    for sock in socks:
        selector.register(sock, selectors.EVENT_READ)
    while selector.get_map():
        remaining = deadline - time.time()
        if remaining <= 0:
            break
        for key, _ in selector.select(remaining):
            sock = key.fileobj
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                chunk = b""
            except OSError as error:
                failures.append(f"a stalled connection failed with {error!r} instead of being closed")
                selector.unregister(sock)
                continue
            if chunk == b"":
                closed += 1
                selector.unregister(sock)
            else:
                answered.add(sock)
    selector.close()
    return closed, len(answered)


def slow_and_half_open(idle_timeout):
    """Holds 40 connections open mid-request while normal traffic must still be served, then
    checks the server closed each of them itself within its idle timeout and a grace period."""
    held = []
    for index in range(40):
        sock = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
        if index % 2:
            sock.sendall(b"PATCH " + PATHS[0].encode() + b" HTTP/1.1\r\nHost: x\r\n")  # headers never finish
        else:
            sock.sendall(b"PATCH " + PATHS[0].encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                         b"Authorization: Bearer " + KEY.encode() + b"\r\n\r\n{\"upd")  # body never finishes
        held.append(sock)
    started = time.time()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)
    for _ in range(50):
        conn = request(conn, "GET", "/api/v1/health")
    conn.close()
    served = time.time() - started
    deadline = started + idle_timeout + 5
    closed, answered = read_until_closed(held, deadline)
    for sock in held:
        sock.close()
    return served, closed, answered


def rss_kib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    idle_timeout = float(sys.argv[8]) if len(sys.argv) > 8 else 3.0
    conn = http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)
    for _ in range(200):  # warm up before the memory baseline
        conn = request(conn, "PATCH", PATHS[0], json.dumps(good_batch()).encode())
    conn.close()
    rss_before = rss_kib()
    started = time.time()
    threads = [threading.Thread(target=worker, args=(TARGET // 4,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    protocol_abuse()
    served, closed, answered = slow_and_half_open(idle_timeout)
    rss_after = rss_kib()
    conn = http.client.HTTPConnection(HOST, PORT, timeout=TIMEOUT)
    conn.request("GET", "/api/v1/health")
    alive = conn.getresponse().status == 200
    elapsed = time.time() - started
    report = {
        "requests": stats["requests"], "seconds": round(elapsed, 1), "status_counts": stats["by_status"],
        "5xx": stats["5xx"], "error_bodies_not_json": stats["bad_error_body"], "timeouts": stats["timeouts"],
        "connections_closed_by_protocol_errors": stats["protocol_closed"],
        "bodiless_400_from_the_http_parser": stats["protocol_400"],
        "rss_kib_before": rss_before, "rss_kib_after": rss_after,
        "normal_requests_during_40_stalled_connections_seconds": round(served, 2),
        "stalled_connections_closed_after_idle_timeout": closed,
        "stalled_connections_answered_before_closing": answered, "alive": alive,
    }
    print(json.dumps(report, sort_keys=True))
    problems = list(failures[:20])
    if stats["requests"] < 10_000:
        problems.append(f"only {stats['requests']} requests were made")
    if not alive:
        problems.append("the server is not answering")
    if rss_after - rss_before > 64 * 1024:
        problems.append(f"memory grew by {(rss_after - rss_before) // 1024} MiB")
    if closed < 40:
        problems.append(f"only {closed} of 40 stalled connections were closed by the server")
    if served > 5:
        problems.append(f"50 normal requests took {served:.1f} s beside stalled connections")
    for problem in problems:
        print("hostile-input: " + problem, file=sys.stderr)
    sys.exit(1 if problems else 0)


main()
