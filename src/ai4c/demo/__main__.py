"""`python -m ai4c.demo --output demo-output [--only s2_pre ...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ai4c.demo.report import run_sections, write_report


def main() -> int:
    """Run the demo sections and write the report; exit 1 if a section failed."""
    parser = argparse.ArgumentParser(prog="python -m ai4c.demo")
    parser.add_argument("--output", default="demo-output")
    parser.add_argument("--only", nargs="*", help="section module names to run")
    args = parser.parse_args()
    output = Path(args.output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    sections = run_sections(output, args.only)
    report = write_report(sections, output)
    print(f"[demo] report: {report}")
    failed = [s.title for s in sections if s.error or not all(c.passed for c in s.checks)]
    if failed:
        print(f"[demo] sections with failures: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
