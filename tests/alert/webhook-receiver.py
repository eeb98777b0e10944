#!/usr/bin/python3
"""A real HTTP receiver for the alert tests: a Slack incoming webhook stand-in.

usage: webhook-receiver.py OUTDIR MODE
MODE: 200 | 500-then-200 | 429 | hang | 404

Binds 127.0.0.1 on a free port and prints the port on stdout. Every POST
is written to OUTDIR/req-N.json (N from 1, written before the reply, renamed
into place so a reader never sees half a file) as
{"method", "path", "headers": {name: value}, "body"}.
"""
import http.server
import json
import os
import sys
import threading
import time

outdir, mode = sys.argv[1], sys.argv[2]
lock = threading.Lock()
count = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            count += 1
            n = count
        req = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        tmp = os.path.join(outdir, ".req-%d.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(req, f)
        os.rename(tmp, os.path.join(outdir, "req-%d.json" % n))

        if mode == "hang":
            time.sleep(120)
            return
        if mode == "500-then-200" and n == 1:
            self.reply(500, b"internal_error")
        elif mode == "429" and n == 1:
            self.reply(429, b"rate_limited", {"Retry-After": "1"})
        elif mode == "404":
            self.reply(404, b"no_service")
        else:
            self.reply(200, b"ok")

    def reply(self, code, body, headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
