"""Creates a benchmark account the way a user would: register, read the verification mail from smtp4dev's
inbox API, verify, sign in. Prints "ACCESS_TOKEN API_KEY". Standard library only (no PyPI here).

Usage: python3 bench/account.py API_URL INBOX_URL
"""
import json
import re
import sys
import time
import urllib.request
import uuid

api, inbox = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")


def call(method, url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


email = f"bench-{uuid.uuid4().hex[:12]}@example.org"
password = "benchmark passphrase " + uuid.uuid4().hex[:8]
call("POST", api + "/api/auth/register", {"email": email, "password": password})
for _ in range(100):
    mails = [m for m in call("GET", inbox + "/api/messages/new") if email in m["to"]]
    if mails:
        break
    time.sleep(0.1)
else:
    sys.exit("no verification mail arrived")
with urllib.request.urlopen(f"{inbox}/api/messages/{mails[0]['id']}/plaintext", timeout=30) as response:
    text = response.read().decode()
user_id = re.search(r"userId: ([0-9a-f-]{36})", text).group(1)
code = re.search(r"code: ([A-Za-z0-9_-]+)", text).group(1)
call("POST", api + "/api/auth/email/verify", {"userId": user_id, "code": code})
tokens = call("POST", api + "/api/auth/login", {"email": email, "password": password})
key = call("POST", api + "/api/account/api-keys", {"name": "benchmark"}, tokens["accessToken"])["key"]
print(tokens["accessToken"], key)
