#!/usr/bin/env python3
"""A stand-in for Alibaba Cloud SMS (dysmsapi, SendSms 2017-05-25) for sealdesk's tests.

It verifies each request's V3 signature (ACS3-HMAC-SHA256) exactly as Alibaba Cloud documents
it, from its own reading of the document and with no code of sealdesk's:
  CanonicalRequest = METHOD\\nURI\\nCanonicalQuery\\nCanonicalHeaders\\nSignedHeaders\\nHashedPayload
  StringToSign = "ACS3-HMAC-SHA256\\n" + hex(sha256(CanonicalRequest))
  Signature = hex(hmac_sha256(AccessKeySecret, StringToSign))
where the query's names and values are RFC 3986 percent-encoded and sorted, the signed headers
must include host and every x-acs-* header, x-acs-content-sha256 must be the body's hash and
x-acs-date within 15 minutes; a nonce may not be used twice. It answers as SendSms does
({"Code": "OK", "BizId": ...} or an error code) and appends every request to LOG as JSON lines.

Usage: aliyun_sms.py --port N --log FILE --key-id ID --secret SECRET; prints "ready".
"""
import argparse
import datetime
import hashlib
import hmac
import json
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
NONCES = set()


def enc(s):
    return urllib.parse.quote(s, safe="-_.~")


def verify(method, path, query, headers, body):
    auth = headers.get("authorization", "")
    prefix = "ACS3-HMAC-SHA256 "
    if not auth.startswith(prefix):
        return "IncompleteSignature", "Authorization is not ACS3-HMAC-SHA256"
    fields = dict(kv.split("=", 1) for kv in auth[len(prefix):].split(","))
    if fields.get("Credential") != ARGS.key_id:
        return "InvalidAccessKeyId.NotFound", "unknown AccessKeyId"
    signed = fields.get("SignedHeaders", "").split(";")
    must = {"host"} | {h for h in headers if h.startswith("x-acs-")}
    if not must.issubset(signed) or signed != sorted(signed):
        return "IncompleteSignature", f"SignedHeaders {signed} must be sorted and hold {sorted(must)}"
    if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
        return "InvalidAction", "x-acs-action / x-acs-version"
    if headers.get("x-acs-content-sha256") != hashlib.sha256(body).hexdigest():
        return "InvalidParameter", "x-acs-content-sha256 is not the body's SHA-256"
    date = datetime.datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
    skew = abs((datetime.datetime.utcnow() - date).total_seconds())
    if skew > 900:
        return "InvalidTimeStamp.Expired", f"x-acs-date {skew:.0f} s off"
    nonce = headers.get("x-acs-signature-nonce", "")
    if not nonce or nonce in NONCES:
        return "SignatureNonceUsed", "nonce missing or used before"
    pairs = sorted((enc(k), enc(v)) for k, vs in query.items() for v in vs)
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed)
    canonical = "\n".join([method, path or "/", canonical_query, canonical_headers, ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(ARGS.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("Signature", "")):
        return "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
    NONCES.add(nonce)
    return None, None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        code, message = verify("POST", url.path, query, headers, body)
        params = {k: v[0] for k, v in query.items()}
        record = {"verified": code is None, "code": code or "OK", "message": message, "params": params}
        with open(ARGS.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        if code is None:
            status, answer = 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(NONCES)}",
                                   "RequestId": "req-" + hashlib.sha1(body + self.path.encode()).hexdigest()[:16]}
        else:
            status, answer = 400, {"Code": code, "Message": message, "RequestId": "req-error"}
        out = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json;charset=utf-8")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *_):
        pass


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--key-id", required=True)
    ap.add_argument("--secret", required=True)
    ARGS = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
