"""``python -m bridge.store_simulator --host 127.0.0.1 --port 8081 --db var/store.sqlite --api-key KEY``"""

from __future__ import annotations

import argparse
import asyncio
import os

from bridge.store_simulator.app import ADMIN_PREFIX, DEFAULT_API_KEY, create_simulator_app
from bridge.store_simulator.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bridge.store_simulator",
                                     description="Run a simulated PrestaShop 9 webservice.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="the store's port (/api/...)")
    parser.add_argument("--admin-port", type=int, default=None,
                        help=f"port of the {ADMIN_PREFIX} endpoints, which stay up when the store is made "
                             "unreachable (default: --port + 1)")
    parser.add_argument("--db", default=":memory:", help="SQLite file of the store's state (default: in memory)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the 32-character webservice key")
    parser.add_argument("--shop-domain", default="localhost",
                        help="the shop's domain; requests with another Host and no id_shop are redirected")
    args = parser.parse_args(argv)
    if args.db != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(args.db)), exist_ok=True)
    app = create_simulator_app(db_path=args.db, api_key=args.api_key, shop_domain=args.shop_domain)
    admin_port = args.admin_port if args.admin_port is not None else args.port + 1
    print(f"store simulator: http://{args.host}:{args.port}/api/  admin: "
          f"http://{args.host}:{admin_port}{ADMIN_PREFIX}/", flush=True)
    try:
        asyncio.run(serve(app, host=args.host, port=args.port, admin_port=admin_port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
