"""The tutorials' times, from one source: the files run_all.py writes.

    python tutorials/timings.py           # write the measured times wherever the tutorials quote them
    python tutorials/timings.py --check   # only say where a quoted time differs from the files (exit 1)

run_all.py measures every notebook and writes tutorials/timings-full.md and timings-FAST.md;
it then calls sync(), and so can you after a merge. sync() rewrites three kinds of quotes:
the "**Time.**" sentence of each notebook's first cell (student and solved versions), the
full-mode and FAST-mode columns of the table in tutorials/README.md, and the compute column
of TEACHING.md's section tables (seconds, summed over the sections a row names).
tests/test_timings.py checks all three against the files, independently of this code.
"""
import argparse
import glob
import os
import re
import sys

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
SENTENCE = ("**Time.** {full} min in full mode and {fast} min in FAST mode on a 2-core CPU, as measured by "
            "`run_all.py` (each section's time: `timings-full.md`, `timings-FAST.md`).")
SENTENCE_RE = re.compile(re.escape(SENTENCE).replace(r"\{full\}", r"[\d.]+").replace(r"\{fast\}", r"[\d.]+"))


def measured(mode, folder=HERE):
    """{notebook file: (minutes as written, {section number: seconds})} from timings-<mode>.md."""
    found, current = {}, None
    with open(os.path.join(folder, f"timings-{mode}.md")) as f:
        for line in f:
            if m := re.match(r"## (\S+\.ipynb): ([\d.]+) min", line):
                current = found[m[1]] = (m[2], {})
            elif current and (m := re.match(r"\| (\d+) · .* \| (\d+) \|$", line.strip())):
                current[1][int(m[1])] = int(m[2])
    return found


def sentence(name, full, fast):
    """The header's time sentence of notebook file `name` (e.g. "02_collaborative_ff.ipynb")."""
    if name not in full or name not in fast:
        raise KeyError(f"{name} has no time in timings-full.md and timings-FAST.md: run tutorials/run_all.py")
    return SENTENCE.format(full=full[name][0], fast=fast[name][0])


def quote_header(source, wanted):
    """`source` (a notebook's first cell) with its one time sentence replaced by `wanted`."""
    if len(SENTENCE_RE.findall(source)) != 1:
        raise ValueError(f"the first cell needs exactly one sentence of the form: {SENTENCE}")
    return SENTENCE_RE.sub(lambda _: wanted, source)


def quote_readme(text, full, fast):
    """tutorials/README.md with the two time cells ("5.6 min | 0.3 min |") ending a notebook's row set to the files'."""
    def row(m):
        return f"{m[1]}{full[m[2]][0]} min | {fast[m[2]][0]} min |"
    return re.sub(r"^(\| `(\d\d_\S+\.ipynb)`[^\n]*?\| )[\d.]+ (?:min|s) \| [\d.]+ (?:min|s) \|$", row, text, flags=re.M)


def quote_teaching(text, full):
    """TEACHING.md with the compute cell of every section row ("| 1-2 · title | class min | N s |") set
    to the seconds timings-full.md gives those sections, under each "### NN · " heading."""
    out, notebook = [], None
    by_number = {name[:2]: sections for name, (_, sections) in full.items()}
    for line in text.split("\n"):
        if m := re.match(r"### (\d\d) · ", line):
            notebook = m[1]
        elif m := re.match(r"#{1,3} ", line):
            notebook = None
        elif notebook and (m := re.match(r"(\| (\d+)(?:-(\d+))? · [^|]*\| [^|]*\| )[\d.]+ s( \|.*)$", line)):
            first, last = int(m[2]), int(m[3] or m[2])
            seconds = sum(by_number[notebook].get(k, 0) for k in range(first, last + 1))
            line = f"{m[1]}{seconds} s{m[4]}"
        out.append(line)
    return "\n".join(out)


def notebooks(folder=HERE):
    """[(notebook file name, path)] of every tutorial and of its solved version."""
    found = []
    for path in sorted(glob.glob(os.path.join(folder, "[0-9][0-9]_*.ipynb"))):
        name = os.path.basename(path)
        found.append((name, path))
        solved = os.path.join(folder, "solutions", name[:-len(".ipynb")] + "_solved.ipynb")
        if os.path.exists(solved):
            found.append((name, solved))
    return found


def sync(folder=HERE, check=False):
    """Write the measured times into every quote (or, with check, only list the files that differ)."""
    full, fast = measured("full", folder), measured("FAST", folder)
    stale = []
    for name, path in notebooks(folder):
        nb = nbformat.read(path, as_version=4)
        source = quote_header(nb.cells[0].source, sentence(name, full, fast))
        if source != nb.cells[0].source:
            stale.append(path)
            if not check:
                nb.cells[0].source = source
                nbformat.write(nb, path)
    for path, quote in ((os.path.join(folder, "README.md"), lambda t: quote_readme(t, full, fast)),
                        (os.path.join(folder, "TEACHING.md"), lambda t: quote_teaching(t, full))):
        with open(path) as f:
            text = f.read()
        if quote(text) != text:
            stale.append(path)
            if not check:
                with open(path, "w") as f:
                    f.write(quote(text))
    return stale


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tutorials/timings.py", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a quoted time is stale")
    args = p.parse_args(argv)
    try:
        stale = sync(check=args.check)
    except (KeyError, ValueError) as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 1
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {os.path.relpath(path)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
