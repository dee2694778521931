"""Run the benchmark suite: every ``benchmarks/bench_*.py`` module's ``run(quick)``.

    python -m benchmarks            # the full suite (minutes); figures for RESULTS.md
    python -m benchmarks --quick    # small sizes only: checks that every benchmark still runs
    python -m benchmarks read solve # only some of them

Each module prints a Markdown section (medians and ratios measured in the same run) to stdout.
"""
from __future__ import annotations

import argparse
import importlib
import platform
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args(argv)
    here = Path(__file__).parent
    found = sorted(p.stem[len("bench_"):] for p in here.glob("bench_*.py"))
    names = args.names or found
    unknown = set(names) - set(found)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; "
                     f"known: {', '.join(found)}")
    print(f"<!-- machine: {platform.node()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, quick={args.quick} -->\n")
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(module.run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
