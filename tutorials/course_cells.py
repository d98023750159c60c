"""Which cells of a notebook grading needs: the exercise and test cells, and the cells that bind what
they read (tutorials/course.py grades by running only these, so a lesson's training is not re-run).

    needed_cells(cells) -> [index]     cells : a notebook's cells (nbformat)

A cell reads a name if its code loads it before binding it, counting the globals that its functions
read when called; it binds the names its top level assigns, imports, defines or loops over. A needed
cell pulls in, for each name it reads, the last cell before it that binds the name, and so on.
"""
import ast


def parse(source):
    """The AST of a cell, its magics (lines starting with % or !) blanked; None if it does not parse."""
    try:
        return ast.parse("\n".join("" if line.lstrip()[:1] in "%!" else line for line in source.splitlines()))
    except SyntaxError:
        return None


def needed_cells(cells):
    """Indices of the code cells that the exercise cells ({"exercise": ID}) and nbgrader test cells need."""
    info = [names(c.source) if c.cell_type == "code" else (set(), set()) for c in cells]
    needed = {i for i, c in enumerate(cells)
              if c.cell_type == "code" and ("exercise" in c.metadata or "nbgrader" in c.metadata)}
    todo = sorted(needed)
    while todo:
        i = todo.pop()
        for name in info[i][1]:
            j = next((k for k in range(i - 1, -1, -1) if name in info[k][0]), None)
            if j is not None and j not in needed:
                needed.add(j)
                todo.append(j)
    return sorted(needed)


def names(source):
    """(names the cell binds, names it reads from earlier cells); both empty if it does not parse."""
    tree = parse(source)
    bound, reads = set(), set()
    for statement in tree.body if tree else ():
        here = binds(statement)
        outside = free(statement)
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)):
            outside -= here               # a loop variable or a name set in the block, read there
        reads |= outside - bound
        bound |= here
    return bound, reads


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def scope_nodes(node):
    """The nodes below `node` in its own scope: a nested function, class or comprehension is yielded
    but not entered."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, SCOPES):
            yield from scope_nodes(child)


def binds(node):
    """The names a statement binds in its own scope."""
    out = set()
    for n in [node, *scope_nodes(node)]:
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out.update(a.asname or a.name.split(".")[0] for a in n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
    return out


def free(node):
    """The names `node` reads that its own scopes do not bind (a function's globals included)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        params = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if p}
        body = node.body if isinstance(node.body, list) else [node.body]
        local = params | set().union(*(binds(s) for s in body))
        outer = [*a.defaults, *[d for d in a.kw_defaults if d], *getattr(node, "decorator_list", [])]
        return set().union(*(free(s) for s in body)) - local | set().union(*(free(d) for d in outer))
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        targets = set().union(*(binds(g.target) | {n.id for n in ast.walk(g.target) if isinstance(n, ast.Name)}
                                for g in node.generators))
        return set().union(*(free(c) for c in ast.iter_child_nodes(node))) - targets
    if isinstance(node, ast.ClassDef):
        return set().union(*(free(c) for c in ast.iter_child_nodes(node))) - {node.name}
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    return set().union(*(free(c) for c in ast.iter_child_nodes(node)))
