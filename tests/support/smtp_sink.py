#!/usr/bin/env python3
"""A real SMTP server for sealdesk's tests (aiosmtpd, Debian's python3-aiosmtpd).

Every message it accepts is written to SPOOL as NNNN.eml (the raw bytes) and NNNN.json (what a
mail client reads from it: envelope, decoded headers and each MIME part's type, charset,
transfer encoding and decoded text), so tests check the message as a receiver sees it.

--hold-first S: after storing the first message, wait S seconds before answering 250, the
window in which a test kills the sender between "sent" and "acknowledged".

Usage: smtp_sink.py --port N --spool DIR [--hold-first S]; prints "ready" once listening.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Spool:
    def __init__(self, spool, hold_first):
        self.spool = spool
        self.hold_first = hold_first
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            parts.append({
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "transfer_encoding": part.get("Content-Transfer-Encoding"),
                "text": part.get_content(),
            })
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["Subject"]),
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "message_id": str(msg["Message-ID"]),
            "content_type": msg.get_content_type(),
            "raw_headers": raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace"),
            "parts": parts,
        }
        base = os.path.join(self.spool, f"{n:04d}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(base + ".json.tmp", base + ".json")
        if n == 1 and self.hold_first > 0:
            await asyncio.sleep(self.hold_first)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--hold-first", type=float, default=0)
    args = ap.parse_args()
    os.makedirs(args.spool, exist_ok=True)
    controller = Controller(Spool(args.spool, args.hold_first), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    try:
        signal.pause()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
