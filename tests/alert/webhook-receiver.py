#!/usr/bin/python3
"""A real HTTP receiver for the alert tests: a Slack incoming webhook stand-in.

usage: webhook-receiver.py OUTDIR MODE
MODE: 200 | 500-then-200 | 429 | 429-huge | hang | 404 | 404-echo |
      404-echo-last
404-echo answers with Apache's default HTML page, which quotes the whole
request path; 404-echo-last quotes only its last segment; 429-huge asks
for a Retry-After of 10^20 seconds.

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
APACHE_404 = (b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
              b"<html><head>\n<title>404 Not Found</title>\n</head><body>\n"
              b"<h1>Not Found</h1>\n<p>The requested URL %s was not found "
              b"on this server.</p>\n<hr>\n<address>Apache/2.4.62 (Debian) "
              b"Server at 127.0.0.1 Port 80</address>\n</body></html>\n")
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
        elif mode == "429-huge" and n == 1:
            self.reply(429, b"rate_limited",
                       {"Retry-After": "100000000000000000000"})
        elif mode == "404":
            self.reply(404, b"no_service")
        elif mode == "404-echo":
            self.reply(404, APACHE_404 % self.path.encode(), None,
                       "text/html; charset=iso-8859-1")
        elif mode == "404-echo-last":
            last = self.path.split("?")[0].rsplit("/", 1)[-1]
            self.reply(404, b"no_such_hook: " + last.encode())
        else:
            self.reply(200, b"ok")

    def reply(self, code, body, headers=None, ctype="text/plain"):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
