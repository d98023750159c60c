"""Build the solved version of a tutorial: its student cells filled in, its questions answered.

    python tutorials/make_solved.py           # writes tutorials/solutions/NN_*_solved.ipynb for every notebook
    python tutorials/make_solved.py 03        # only for the notebooks whose names start with these numbers
    python tutorials/make_solved.py --clear   # also replace a solved notebook that has executed outputs

A student cell is a code cell whose metadata holds {"exercise": ID}; a question is a
markdown cell whose metadata holds {"question": ID}. tutorials/solutions/NN_cells.py
defines CELLS = {ID: solved source} and ANSWERS = {ID: answer in Markdown}. The
solved notebook replaces each student cell's source with CELLS[ID] and puts an
"Answer" cell after each question. Outputs are cleared (run_all.py executes it).
A solved notebook that already has outputs (run_all.py --solved saved them) is left
as it is, with a message, unless --clear is given: rebuilding it would erase them.
"""
import argparse
import copy
import glob
import importlib.util
import os
import sys

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
SOLUTIONS = os.path.join(HERE, "solutions")


def cells_module(notebook_path):
    """The solutions/NN_cells.py that belongs to a notebook, loaded as a module."""
    path = os.path.join(SOLUTIONS, os.path.basename(notebook_path)[:2] + "_cells.py")
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solved(nb, cells, answers):
    """A copy of notebook `nb` with its exercises solved and its questions answered."""
    out = copy.deepcopy(nb)
    new_cells = []
    for cell in out.cells:
        exercise, question = cell.metadata.get("exercise"), cell.metadata.get("question")
        if exercise is not None:
            if exercise not in cells:
                raise KeyError(f"no solved cell for exercise {exercise!r}")
            cell.source = cells[exercise]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        new_cells.append(cell)
        if question is not None:
            if question not in answers:
                raise KeyError(f"no answer for question {question!r}")
            answer = nbformat.v4.new_markdown_cell(f"**Answer.** {answers[question]}")
            answer.id = f"answer-{question}"[:64]        # the same id on every build: no spurious diffs
            new_cells.append(answer)
    out.cells = new_cells
    return out


def solved_path(notebook_path):
    name = os.path.basename(notebook_path)[:-len(".ipynb")]
    return os.path.join(SOLUTIONS, f"{name}_solved.ipynb")


def build(notebook_path):
    """The solved notebook of `notebook_path` (not written)."""
    module = cells_module(notebook_path)
    return solved(nbformat.read(notebook_path, as_version=4), module.CELLS, module.ANSWERS)


def has_outputs(path):
    """True when the notebook at `path` exists and a code cell of it has outputs."""
    if not os.path.exists(path):
        return False
    nb = nbformat.read(path, as_version=4)
    return any(cell.cell_type == "code" and cell.outputs for cell in nb.cells)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python tutorials/make_solved.py", description=__doc__.splitlines()[0])
    p.add_argument("only", nargs="*", help="notebook numbers (e.g. 03); default: every notebook")
    p.add_argument("--clear", action="store_true",
                   help="replace a solved notebook even when it has executed outputs (they are erased)")
    args = p.parse_args(argv)
    paths = sorted(glob.glob(os.path.join(HERE, "[0-9][0-9]_*.ipynb")))
    unknown = set(args.only) - {os.path.basename(path)[:2] for path in paths}
    if unknown:
        p.error(f"no notebook numbered {', '.join(sorted(unknown))}")
    for path in paths:
        if args.only and os.path.basename(path)[:2] not in args.only:
            continue
        target = solved_path(path)
        if has_outputs(target) and not args.clear:
            print(f"kept {target}: it has executed outputs. Rebuild and execute it with "
                  f"`python tutorials/run_all.py --solved --only {os.path.basename(path)[:2]}`, "
                  "or pass --clear to write it without outputs")
            continue
        nbformat.write(build(path), target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
