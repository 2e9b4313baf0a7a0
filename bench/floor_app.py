"""The framework floor of bench_api.py: a bare FastAPI route answering the bytes of a typical search
response, started the way `fllc-server serve` starts the real app (uvicorn, 1 worker, no access
log, no log config, websockets-sansio), so the difference between the two is our code.

    FLLC_BENCH_FLOOR_BODY=/path/to/body.json .venv/bin/python bench/floor_app.py --port 8899
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response

_BODY_FILE = os.environ.get("FLLC_BENCH_FLOOR_BODY")
BODY = Path(_BODY_FILE).read_bytes() if _BODY_FILE else b"{}"

app = FastAPI()


@app.get("/api/v1/products")
async def products() -> Response:
    return Response(BODY, media_type="application/json", headers={"X-Cache": "hit"})


@app.post("/floor/echo")
async def echo(body: dict[str, object]) -> dict[str, object]:
    """The floor of a small JSON write: parse and validate a body, answer it (no database)."""
    return body


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8899)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_config=None,
        access_log=False,
        ws="websockets-sansio",
    )


if __name__ == "__main__":
    main()
