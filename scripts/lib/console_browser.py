"""The web console in a real browser: headless Chromium driven through its DevTools protocol over
a pipe (--remote-debugging-pipe), with nothing but Python's standard library.

Usage: console_browser.py BASE_URL REALM OTHER_REALM DEMO_KEY OTHER_REALM_KEY WRITE_ONLY_KEY ARTIFACTS_DIR

Checks, against a live `tally serve` on 127.0.0.1:
- signing in with a realm key to the overview (the API's member count, a bar for this hour),
  the leaderboard matching the API's, a member found by search and its journal matching the
  API's, signing out and being refused afterwards;
- the public leaderboard of REALM (switched on) matching the API's, with no link into the
  console and no member id, and OTHER_REALM's (left off) answering 404;
- a wrong key, a key without members:read, and a key of another realm (which sees only its own);
- a username holding <script> rendered as text, with no script element in any page;
- no request to any other host (the browser's network log);
- each page at a phone's width (390 px) and a desktop's (1280 px) without sideways overflow,
  with a screenshot of each saved in ARTIFACTS_DIR.
"""

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

WAIT = 15  # seconds any one step may take


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="tally-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4; move the pipe's ends above
        # 4 first, so that the dup2 in the child always makes fresh, inheritable descriptors.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)

        def child():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--metrics-recording-only", "--disable-default-apps", "--mute-audio",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=child)
        for fd in (to_browser_r, from_browser_w, high_r, high_w):
            os.close(fd)
        self.next_id = 0
        self.answers = {}
        self.events = queue.Queue()
        self.all_events = []
        self.lock = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    def read(self):
        pending = b""
        while True:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                return
            pending += chunk
            while b"\0" in pending:
                raw, pending = pending.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        self.answers[message["id"]] = message
                        self.lock.notify_all()
                else:
                    self.all_events.append(message)
                    self.events.put(message)

    def call(self, method, params=None, session=False):
        with self.lock:
            self.next_id += 1
            number = self.next_id
        message = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + WAIT
        with self.lock:
            while number not in self.answers:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"no answer to {method}")
                self.lock.wait(left)
            answer = self.answers.pop(number)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def wait_for_load(self):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if event.get("method") == "Page.loadEventFired":
                return
        raise TimeoutError("the page did not load")

    def drain(self):
        while not self.events.empty():
            self.events.get_nowait()

    def go(self, url):
        self.drain()
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for_load()

    def run(self, expression):
        """Evaluates `expression` in the page (the driver's, not the page's: the page has no script)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def submit(self, expression):
        """Runs `expression`, which submits a form, and waits for the next page."""
        self.drain()
        self.run(expression)
        self.wait_for_load()

    def size(self, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}, session=True)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=True)
        with open(path, "wb") as file:
            file.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def api(base, key, method, path, body=None):
    request = urllib.request.Request(
        base + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return json.loads(response.read() or b"null")


def main():
    base, realm, other_realm, key, other_key, write_only_key, artifacts = sys.argv[1:8]
    os.makedirs(artifacts, exist_ok=True)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        print("console-browser: Chromium is not installed")
        sys.exit(1)
    prefix = f"/api/v1/realms/{realm}"

    # A member whose username is markup, and balances that order the leaderboard.
    hostile = "<script>alert('x')</script>"
    created = api(base, key, "POST", f"{prefix}/members", {"username": hostile})
    hostile_id = created.get("id") or created.get("data", {}).get("id")
    members = api(base, key, "GET", f"{prefix}/members?limit=50")["data"]
    ids = [m["id"] for m in members]
    for rank, member_id in enumerate(ids):
        for part in (5 + 3 * rank, 2):
            api(base, key, "PATCH", f"{prefix}/members/transaction",
                {"updates": [{"dripId": member_id, "amount": part}]})
    board = api(base, key, "GET", f"{prefix}/members/leaderboard")["data"]
    expected_names = [row["username"] for row in board]

    browser = Browser(binary)
    try:
        names_js = "[...document.querySelectorAll('tbody a')].map(a => a.textContent)"
        browser.size(1280, 800, False)
        browser.go(f"{base}/console")
        check(browser.run("!!document.querySelector('#key')"), "the sign-in form is shown")
        shots = [("sign-in", f"{base}/console")]

        # Refused keys: no session, the reason on the page.
        for bad, what in (("tally_not_a_key", "a wrong key"), (write_only_key, "a key without members:read")):
            browser.go(f"{base}/console")
            browser.submit(f"document.querySelector('#key').value = {json.dumps(bad)};"
                           "document.querySelector('form.sign-in').submit()")
            check(browser.run("!!document.querySelector('.problem')") and
                  browser.run("location.pathname") == "/console/sign-in", f"{what} is refused")
            browser.go(f"{base}/console/leaderboard")
            check(browser.run("location.pathname") == "/console", f"{what}: no session afterwards")

        # Another realm's key sees its own realm only.
        browser.go(f"{base}/console")
        browser.submit(f"document.querySelector('#key').value = {json.dumps(other_key)};"
                       "document.querySelector('form.sign-in').submit()")
        check(browser.run("location.pathname") == "/console/overview", "another realm's key signs in")
        browser.go(f"{base}/console/leaderboard")
        other_names = browser.run(names_js)
        check(browser.run("location.pathname") == "/console/leaderboard" and
              not set(other_names) & set(expected_names), "another realm's key sees none of this realm's members")
        browser.go(f"{base}/console/members/{ids[0]}")
        check("not found" in browser.run("document.body.innerText").lower() or
              browser.run("document.title").startswith("Not shown"), "nor a member of this realm")
        browser.submit("document.querySelector('nav form').submit()")

        # The realm's own key.
        browser.go(f"{base}/console")
        browser.submit(f"document.querySelector('#key').value = {json.dumps(key)};"
                       "document.querySelector('form.sign-in').submit()")
        check(browser.run("location.pathname") == "/console/overview", "the key signs in, to the overview")
        check(browser.run("document.cookie") == "", "the session cookie is out of the page's reach (HttpOnly)")
        total = api(base, key, "GET", f"{prefix}/members?limit=1")["meta"]["total"]
        figures = browser.run("document.querySelector('.figures').textContent")
        check(f"{total} members" in figures, f"the overview counts the API's {total} members: {figures}")
        bars = browser.run("document.querySelectorAll('figure.chart rect').length")
        check(bars >= 1, f"the chart has a bar for this hour's changes ({bars})")
        check(browser.run("document.querySelectorAll('script').length") == 0, "no script element on the overview")
        shots.append(("overview", f"{base}/console/overview"))
        browser.go(f"{base}/console/leaderboard")
        shown = browser.run(names_js)
        check(shown == expected_names, f"the leaderboard is the API's: {shown} == {expected_names}")
        check(browser.run("document.querySelectorAll('script').length") == 0, "no script element on the leaderboard")
        check(hostile in shown, "the markup username shows as text")
        shots.append(("leaderboard", f"{base}/console/leaderboard"))

        target = next(row for row in board if row["username"] != hostile)
        search = f"{base}/console/members?kind=username&q={urllib.parse.quote(target['username'])}"
        browser.go(search)
        check(browser.run(names_js) == [target["username"]], "search finds the member")
        shots.append(("members", search))
        browser.submit("document.querySelector('tbody a').click()")
        journal = api(base, key, "GET", f"{prefix}/members/{target['accountId']}/transactions")["data"]
        on_page = browser.run("[...document.querySelectorAll('tbody tr td:last-child code')].map(c => c.textContent)")
        check(on_page == [entry["id"] for entry in journal], "the member's journal is the API's, newest first")
        shots.append(("member", browser.run("location.href")))
        hostile_page = f"{base}/console/members/{hostile_id}"
        browser.go(hostile_page)
        check(browser.run("document.querySelectorAll('script').length") == 0 and
              browser.run("document.querySelector('h2').textContent") == hostile,
              "the markup member's page shows its name as text")
        shots.append(("currencies", f"{base}/console/currencies"))
        shots.append(("keys", f"{base}/console/keys"))

        # Every page at a phone's width and a desktop's: no sideways overflow; a screenshot each.
        for width, height, mobile, label in ((390, 844, True, "phone"), (1280, 800, False, "desktop")):
            browser.size(width, height, mobile)
            for name, url in shots:
                if name == "sign-in":
                    continue
                browser.go(url)
                overflow = browser.run("document.documentElement.scrollWidth - window.innerWidth")
                check(overflow <= 0, f"{name} fits a {label} ({width} px): overflow {overflow} px")
                browser.screenshot(os.path.join(artifacts, f"{name}-{label}.png"))

        # The public leaderboard: the realm switched it on, the other realm did not.
        try:
            urllib.request.urlopen(f"{base}/leaderboard/{other_realm}", timeout=10)
            check(False, "a realm that did not switch its public leaderboard on answers 404")
        except urllib.error.HTTPError as error:
            check(error.code == 404, f"a realm that did not switch its public leaderboard on answers 404 ({error.code})")
        public = f"{base}/leaderboard/{realm}"
        browser.go(public)
        public_names = browser.run("[...document.querySelectorAll('tbody tr td:nth-child(2)')].map(td => td.textContent)")
        check(public_names == expected_names, f"the public leaderboard is the API's: {public_names}")
        text = browser.run("document.documentElement.outerHTML")
        check(browser.run("document.querySelectorAll('a[href^=\"/console\"], form, script').length") == 0 and
              not any(member_id in text for member_id in ids), "the public page links nowhere in and names no id")
        for width, height, mobile, label in ((390, 844, True, "phone"), (1280, 800, False, "desktop")):
            browser.size(width, height, mobile)
            browser.go(public)
            overflow = browser.run("document.documentElement.scrollWidth - window.innerWidth")
            check(overflow <= 0, f"the public leaderboard fits a {label} ({width} px): overflow {overflow} px")
            browser.screenshot(os.path.join(artifacts, f"public-leaderboard-{label}.png"))

        # Signing out ends the session.
        browser.size(1280, 800, False)
        browser.go(f"{base}/console/leaderboard")
        browser.submit("document.querySelector('nav form').submit()")
        check(browser.run("location.pathname") == "/console", "sign-out returns to the sign-in page")
        for path in ("/console/leaderboard", f"/console/members/{ids[0]}", "/console/keys"):
            browser.go(base + path)
            check(browser.run("location.pathname") == "/console", f"{path} is refused after sign-out")
        for width, height, mobile, label in ((390, 844, True, "phone"), (1280, 800, False, "desktop")):
            browser.size(width, height, mobile)
            browser.go(f"{base}/console")
            browser.screenshot(os.path.join(artifacts, f"sign-in-{label}.png"))

        # Nothing but this server.
        urls = [event["params"]["request"]["url"] for event in browser.all_events
                if event.get("method") == "Network.requestWillBeSent"]
        elsewhere = sorted({url for url in urls if not url.startswith(base + "/") and not url.startswith("data:")})
        check(len(urls) > 20 and not elsewhere, f"{len(urls)} requests, none to another host: {elsewhere}")
    finally:
        browser.close()

    if failures:
        print(f"console-browser: {len(failures)} failed")
        sys.exit(1)
    print(f"console-browser: passed; screenshots in {artifacts}")


if __name__ == "__main__":
    main()
