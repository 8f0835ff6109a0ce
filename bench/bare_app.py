"""The ceiling: a bare FastAPI app with one sync endpoint returning a dict, served by uvicorn with the
options `complaints serve` uses (`services.cli.server_options`): nothing of this app, only the framework
and the server. `python -m bench.bare_app --port N`."""

from __future__ import annotations

import argparse

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    import uvicorn

    from services.cli import server_options

    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--http", default="auto", help="uvicorn's HTTP implementation (auto, h11, httptools)")
    parser.add_argument("--loop", default="auto", help="uvicorn's event loop (auto, asyncio, uvloop)")
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, http=args.http, loop=args.loop, **server_options("127.0.0.1"))


if __name__ == "__main__":
    main()
