"""Build the index: the same entry point as `briefqa ingest` (run with the project's venv)."""

import sys

from briefqa.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
