"""No Python file of the package knows the China model's outputs or labels: charts, tables,
the report and the command line read them from the run (what the model file declared).

Every string constant in ``src/dieroll`` (docstrings and help prose aside: only whole
strings count) is checked against the names ``china.toml`` declares.
"""
import ast
import pathlib

from dieroll import MODEL

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "dieroll"


def _names():
    names = {o.name for o in MODEL.outputs}
    for labels in MODEL.labels.values():
        names |= set(labels)
    return names


def _constants(tree):
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


def test_the_names_are_found_where_they_are_written():
    # the check itself can fail: a constant naming an output is found
    tree = ast.parse('def f(ds):\n    """china_total in prose is fine."""\n    return ds["china_total"]\n')
    assert [c.value for c in _constants(tree) if c.value in _names()] == ["china_total"]


#: The packaged China model's file name (``dieroll.modelfile.DEFAULT_MODEL``), which is also a label of
#: the model's country set: the one place the package names the model it runs by default.
ALLOWED = {("modelfile/__init__.py", "china")}


def test_no_python_file_names_an_output_or_a_label_of_the_china_model():
    names = _names()
    assert {"china_total", "tsmc_ascend", "inference", "smic"} <= names
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for c in _constants(ast.parse(path.read_text(encoding="utf-8"))):
            if c.value in names and (str(path.relative_to(SRC)), c.value) not in ALLOWED:
                found.append(f"{path.relative_to(SRC)}:{c.lineno}: {c.value!r}")
    assert not found, found
