"""`python -m workers worker [--fork] [--burst]` and `python -m workers relay`: the background
processes, started by `participatie worker` and `participatie relay` (which exec this module, so
the CLI never imports the workers)."""

from __future__ import annotations

import argparse
import sys

from participatie.bootstrap import build
from participatie.config import ConfigError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="an RQ worker with the application preloaded")
    worker.add_argument("--fork", action="store_true", help="each job in a forked child")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    commands.add_parser("relay", help="follow the notification log and enqueue jobs")
    arguments = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"configuratie: {error}", file=sys.stderr)
        return 1
    if arguments.command == "worker":
        from workers.worker import run_worker

        run_worker(settings, fork=arguments.fork, burst=arguments.burst)
        return 0
    from workers.relay import run_relay

    built = build(settings)
    try:
        run_relay(built)
    finally:
        built.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
