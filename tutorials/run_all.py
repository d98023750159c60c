"""Re-execute every tutorial notebook top to bottom, save its outputs, and time each section.

    python tutorials/run_all.py                          # full mode: what is committed
    FFNUMPY_FAST=1 python tutorials/run_all.py           # FAST mode: times only, outputs never saved
    FFNUMPY_FAST=1 python tutorials/run_all.py --check   # FAST mode, nothing written
    python tutorials/run_all.py --solved --check         # the solved versions (make_solved.py), not saved
    python tutorials/run_all.py --only 02 04             # some notebooks; the others' times are kept

Each notebook runs in a fresh python3 kernel from the tutorials folder. The
seconds of every section (a markdown cell starting with "## ") are summed from
the kernel's own timing of each cell and written to tutorials/timings-<mode>.md
(unless --check); timings.py then writes those times into every notebook's header, the
README's table and TEACHING.md, so every time the tutorials quote is the measured one.
"""
import argparse
import datetime
import glob
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_solved  # noqa: E402
import timings as quote_times  # noqa: E402
from ffnumpy.studies.runner import machine  # noqa: E402


def run(nb, timeout=1800):
    """Execute a notebook in place; returns the seconds it took. Raises on the first failing cell."""
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": HERE}}).execute()
    return time.perf_counter() - start


def section_seconds(nb):
    """[(section title, seconds)] from the kernel's timing of each code cell."""
    sections, title = [], "set-up"
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            title = cell.source.splitlines()[0][3:].strip()
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            t0, t1 = (datetime.datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                      for k in ("iopub.execute_input", "shell.execute_reply"))
            if sections and sections[-1][0] == title:
                sections[-1] = (title, sections[-1][1] + (t1 - t0).total_seconds())
            else:
                sections.append((title, (t1 - t0).total_seconds()))
    return sections


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="execute only; do not save outputs")
    p.add_argument("--solved", action="store_true", help="execute the solved versions instead")
    p.add_argument("--only", nargs="+", metavar="NN", help="only these notebooks (by number, e.g. 02 04)")
    args = p.parse_args(argv)
    paths = sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.ipynb")))
    if args.only:
        unknown = set(args.only) - {os.path.basename(x)[:2] for x in paths}
        if unknown:
            p.error(f"no notebook numbered {', '.join(sorted(unknown))}")
        paths = [x for x in paths if os.path.basename(x)[:2] in args.only]
    timings = os.path.join(HERE, f"timings-{'FAST' if os.environ.get('FFNUMPY_FAST') == '1' else 'full'}.md")
    every = [os.path.basename(x) for x in sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.ipynb")))]
    kept = kept_sections(timings, [os.path.basename(x) for x in paths], every) if args.only else {}
    mode = "FAST" if os.environ.get("FFNUMPY_FAST") == "1" else "full"
    report = [f"# Measured times of the tutorials, {mode} mode", "",
              f"`{'FFNUMPY_FAST=1 ' if mode == 'FAST' else ''}python tutorials/run_all.py`, on this project's "
              f"2-core machine, one notebook at a time. The machine's CPU changes between sessions: each "
              f"notebook says on which CPU and day it was measured.", ""]
    sections = dict(kept)
    for path in paths:
        nb = make_solved.build(path) if args.solved else nbformat.read(path, as_version=4)
        seconds = run(nb)
        print(f"{os.path.basename(path)}{' (solved)' if args.solved else ''}: {seconds:.0f} s ({mode} mode)",
              flush=True)
        sections[os.path.basename(path)] = [f"## {os.path.basename(path)}: {seconds / 60:.1f} min", "",
                                            measured_on(), "", "| section | seconds |", "|---|---|"] + \
            [f"| {title} | {s:.0f} |" for title, s in section_seconds(nb)] + [""]
        if not args.check and mode == "full":   # only full-mode outputs are ever saved into a notebook
            nbformat.write(nb, make_solved.solved_path(path) if args.solved else path)
    if not args.check and not args.solved:
        with open(timings, "w") as f:
            f.write("\n".join(report + [line for name in sorted(sections) for line in sections[name]]) + "\n")
        for path in quote_times.sync():    # every header and table that quotes a time: one source
            print(f"times quoted anew in {os.path.relpath(path)}")
    return 0


def measured_on():
    """'Measured on 2026-12-03, CPU ...': the times of one machine say little about another's."""
    return f"Measured on {datetime.date.today().isoformat()}, CPU {machine()['cpu']}."


def kept_sections(path, rerun, existing):
    """{notebook file: its lines} from an earlier timings file, for the notebooks in `existing`
    (a deleted notebook's times go) and not in `rerun`."""
    if not os.path.exists(path):
        return {}
    found, name = {}, None
    for line in open(path).read().splitlines():
        if line.startswith("## "):
            name = line[3:].split(":")[0]
        if name is not None and name in existing and name not in rerun:
            found.setdefault(name, []).append(line)
    return found


if __name__ == "__main__":
    sys.exit(main())
