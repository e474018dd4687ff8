# What the schemathesis run (test/api/schemathesis.test.ts) is told beyond the OpenAPI document:
# the two request rules a JSON Schema cannot state. Both are kept by editing a request just before
# it is sent; schemathesis then re-checks the request against the document, so a request that was
# valid stays valid and an invalid one is still sent as generated.
import itertools
import re
import uuid

import schemathesis

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,254}$")  # api/schemas/common.ts
_run = uuid.uuid4().hex[:8]  # keys of an earlier run may still be remembered (24 h)
_sent = itertools.count(1)


@schemathesis.hook
def before_call(context, case, kwargs):
    # A key names one request: reused with another body it is 422 by the Idempotency-Key draft.
    # Each valid generated key gets a prefix of its own (the key's rules still hold).
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and IDEMPOTENCY_KEY.match(key):
        headers["Idempotency-Key"] = f"{_run}-{next(_sent)}-{key}"[:255].rstrip()

    # An order names each SKU on one line only (a duplicate is 422 with a pointer to it).
    body = case.body
    if isinstance(body, dict):
        attributes = (body.get("data") or {}).get("attributes") if isinstance(body.get("data"), dict) else None
        lines = attributes.get("lines") if isinstance(attributes, dict) else None
        if isinstance(lines, list) and all(isinstance(line, dict) for line in lines):
            seen = set()
            kept = []
            for line in lines:
                sku = line.get("sku")
                if isinstance(sku, str):
                    if sku in seen:
                        continue
                    seen.add(sku)
                kept.append(line)
            if len(kept) != len(lines):
                attributes["lines"] = kept
