#!/usr/bin/python3
"""A real SMTP receiver for the alert tests, on Debian's python3-aiosmtpd.

usage: smtp-receiver.py OUTDIR
env:   SMTP_TEST_USER, SMTP_TEST_PASSWORD: the only credentials accepted
       (AUTH is required; no TLS, which mlmon allows on loopback only).

Binds 127.0.0.1 on a free port and prints the port on stdout. Every
message is written to OUTDIR/msg-N.eml (the DATA as received, after SMTP
dot-unstuffing) and OUTDIR/msg-N.json ({"mail_from", "rcpt_tos",
"auth_login"}); the password itself is never written anywhere.
"""
import asyncio
import json
import os
import socket
import sys

from aiosmtpd.smtp import SMTP, AuthResult

outdir = sys.argv[1]
user = os.environ.get("SMTP_TEST_USER", "").encode()
password = os.environ.get("SMTP_TEST_PASSWORD", "").encode()
count = 0


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == user and auth_data.password == password
    return AuthResult(success=ok, auth_data=auth_data.login if ok else None)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        base = os.path.join(outdir, "msg-%d" % count)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "auth_login": (session.auth_data or b"").decode(),
        }
        with open(base + ".jtmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".jtmp", base + ".json")
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
sock.listen(16)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
factory = lambda: SMTP(Handler(), authenticator=authenticator,
                       auth_required=True, auth_require_tls=False,
                       decode_data=False, hostname="receiver.test")
server = loop.run_until_complete(loop.create_server(factory, sock=sock))
print(sock.getsockname()[1], flush=True)
loop.run_forever()
