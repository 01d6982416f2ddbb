"""kefu test SMTP server: delivers into the Maildirs of a private dovecot.

Usage: smtp_sink.py MAIL_ROOT USERS_FILE CERT KEY
Prints one JSON line {"smtp": PORT, "smtps": PORT} once both listeners are up.
Recipients whose local part starts with reject-permanent / reject-temporary are refused
with 550 / 451 so that clients can test their error handling. AUTH PLAIN, LOGIN and
XOAUTH2 check the dovecot passwd-file (the password doubles as the OAuth token).
"""

import asyncio
import base64
import json
import os
import ssl
import sys
import time
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MAIL_ROOT, USERS_FILE, CERT, KEY = sys.argv[1:5]


def passwords():
    users = {}
    with open(USERS_FILE, encoding="utf-8") as f:
        for line in f:
            name, _, rest = line.strip().partition(":")
            if name:
                users[name] = rest.split(":")[0].removeprefix("{PLAIN}")
    return users


def maildir(local):
    return os.path.join(MAIL_ROOT, local, "Maildir")


def check(login, secret):
    local = login.split("@")[0]
    return local in passwords() and passwords()[local] == secret


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and check(
        auth_data.login.decode(), auth_data.password.decode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


class Handler:
    async def auth_XOAUTH2(self, server, args):
        blob = args[1] if len(args) > 1 else None
        if blob is None:
            answer = await server.challenge_auth("")
        else:
            answer = base64.b64decode(blob)
        fields = dict(
            part.split("=", 1) for part in answer.decode().split("\x01") if "=" in part
        )
        token = fields.get("auth", "").removeprefix("Bearer ")
        if check(fields.get("user", ""), token):
            return AuthResult(success=True, auth_data=fields.get("user"))
        return AuthResult(success=False, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject-permanent"):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if local.startswith("reject-temporary"):
            return f"451 4.3.0 <{address}>: mailbox busy, try again later"
        if not os.path.isdir(maildir(local)):
            return f"550 5.1.1 <{address}>: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        head = f"Return-Path: <{envelope.mail_from}>\r\n".encode()
        for rcpt in envelope.rcpt_tos:
            deliver(rcpt.split("@")[0].lower(), head + content)
        return "250 2.0.0 delivered"


def deliver(local, data):
    name = f"{time.time():.6f}.{uuid.uuid4().hex}.kefu-sink"
    tmp = os.path.join(maildir(local), "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.rename(tmp, os.path.join(maildir(local), "new", name))


async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, KEY)
    loop = asyncio.get_running_loop()
    handler = Handler()

    def factory(tls_context):
        return lambda: SMTP(
            handler,
            hostname="kefu-test-smtp",
            tls_context=tls_context,
            authenticator=authenticator,
            auth_require_tls=False,
        )

    plain = await loop.create_server(factory(context), "127.0.0.1", 0)
    wrapped = await loop.create_server(factory(None), "127.0.0.1", 0, ssl=context)
    ports = {
        "smtp": plain.sockets[0].getsockname()[1],
        "smtps": wrapped.sockets[0].getsockname()[1],
    }
    print(json.dumps(ports), flush=True)
    # Stop when the test process goes away (stdin closes), so no sink outlives its test.
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()


asyncio.run(main())
