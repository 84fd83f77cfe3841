"""``defwatch local-es start|stop|status``: the local Elasticsearch used by the demo and tests.

``start`` and ``status`` print the node's base URL on their last line, so scripts can do
``DEFWATCH_ES_URL=$(defwatch local-es start | tail -n 1)``.

``--nodes 3`` makes a real three-node cluster on loopback (HTTP ports PORT..PORT+2, its own
data directories); ``status`` and ``stop`` on PORT cover every node, and ``start --nodes 3``
again restarts only the nodes that are down::

    defwatch local-es start --port 9250 --nodes 3
    defwatch local-es status --port 9250
    defwatch local-es stop --port 9250
"""
from __future__ import annotations

import argparse
import sys

from deploy import local_es


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="defwatch local-es", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  defwatch local-es start\n"
               "  defwatch local-es start --port 9250 --nodes 3   # a 3-node cluster\n"
               "  defwatch local-es status --port 9250\n  defwatch local-es stop --port 9250",
        description=f"Start, stop or inspect a local Elasticsearch {local_es.ES_VERSION} node "
                    "(fetched from Maven Central, cached under .cache/ or $DEFWATCH_HOME).")
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=int, default=local_es.DEFAULT_PORT,
                        help="HTTP port (transport uses port+100; default %(default)s, "
                             "env DEFWATCH_LOCAL_ES_PORT)")
    parser.add_argument("--heap", default=local_es.DEFAULT_HEAP,
                        help="JVM heap, e.g. 512m or 1g (default %(default)s)")
    parser.add_argument("--nodes", type=int, default=1,
                        help="start a cluster of this many nodes on PORT, PORT+1, … "
                             "(default %(default)s)")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for the node to start or stop")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.action == "start":
            print(local_es.start(args.port, heap=args.heap, timeout=args.timeout,
                                 nodes=args.nodes))
            return 0
        if args.action == "stop":
            stopped = local_es.stop(args.port, timeout=args.timeout)
            print("stopped" if stopped else f"no local node running on port {args.port}")
            return 0
        info = local_es.status(args.port)
        if info is None:
            print(f"no local node running on port {args.port}", file=sys.stderr)
            return 1
        print(f"Elasticsearch {info['version']} pid {info['pid']} health {info['health']} "
              f"data {info['home']}")
        if len(info["nodes"]) > 1:
            for node in info["nodes"]:
                state = f"pid {node['pid']}" if node["pid"] else "down"
                print(f"  node {node['url']} {state}")
        print(info["url"])
        return 0
    except local_es.LocalESError as error:
        print(f"defwatch local-es {args.action}: {error}", file=sys.stderr)
        return 1
