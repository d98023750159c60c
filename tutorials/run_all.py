"""Re-execute every tutorial notebook top to bottom and save its outputs in place.

    python tutorials/run_all.py            # full mode: what is committed
    FFNUMPY_FAST=1 python tutorials/run_all.py --check   # FAST mode, outputs not saved

Each notebook runs in a fresh python3 kernel from the tutorials folder.
"""
import argparse
import glob
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))


def run(path, timeout=1800):
    """Execute one notebook; returns (notebook, seconds). Raises on the first failing cell."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    return nb, time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="execute only; do not save outputs")
    args = p.parse_args(argv)
    for path in sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.ipynb"))):
        nb, seconds = run(path)
        mode = "FAST" if os.environ.get("FFNUMPY_FAST") == "1" else "full"
        print(f"{os.path.basename(path)}: {seconds:.0f} s ({mode} mode)", flush=True)
        if not args.check:
            nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
