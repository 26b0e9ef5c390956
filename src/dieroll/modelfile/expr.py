"""Equations of a model file: a small, whitelisted expression grammar, parsed, never evaluated.

The text of an equation is tokenised and parsed here by a recursive-descent
parser into a tree of the node classes below; nothing else ever reads it.
Code is generated from the checked tree only (:mod:`.codegen`), and the
numpy reference walks the same tree (:mod:`.reference`).

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum]
    sum     := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ["**" unary]
    atom    := NUMBER ["[" UNITS "]"] | DATE | NAME [ "[" pick ("," pick)* "]" ] | NAME "(" [expr ("," expr)*] ")"
             | "(" expr ")"
    pick    := LABEL | DIMENSION "=" LABEL

A number may carry units in brackets, ``1 [chip/package]``, ``12 [month/year]``.
``DATE`` is a month written ``YYYY-MM`` (``2025-01``): an absolute month, not a
subtraction.  Numbers may carry ``_`` separators and an exponent (``1_000``,
``2.5e6``).  Limits keep a hostile file from exhausting the checker:
:data:`MAX_TEXT` characters, :data:`MAX_NODES` nodes and :data:`MAX_DEPTH`
levels of nesting per equation.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

__all__ = ["Node", "Num", "Date", "Name", "Select", "Unary", "Binary", "Call", "ParseError", "parse", "names_read",
           "signed_terms",
           "check_identifier", "MAX_TEXT", "MAX_NODES", "MAX_DEPTH", "walk"]

#: The longest equation text accepted (characters).
MAX_TEXT = 4000
#: The most nodes an equation's tree may have.
MAX_NODES = 400
#: The deepest nesting of an equation's tree.
MAX_DEPTH = 40
#: The longest name accepted.
MAX_NAME = 64

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class ParseError(ValueError):
    """An equation could not be parsed; ``col`` is its 1-based column."""

    def __init__(self, message: str, col: int):
        super().__init__(message)
        self.col = col


def check_identifier(name: str) -> str | None:
    """Why ``name`` cannot name something in a model file, or ``None`` when it can."""
    if not isinstance(name, str) or not _IDENT.match(name):
        return "a name starts with a letter and holds only letters, digits and _"
    if len(name) > MAX_NAME:
        return f"a name is at most {MAX_NAME} characters"
    if keyword.iskeyword(name):
        return "a Python keyword cannot be a name"
    return None


@dataclass(frozen=True)
class Node:
    """Base of the tree; ``col`` is the node's 1-based column in the equation."""

    col: int


@dataclass(frozen=True)
class Num(Node):
    """A number, with the units written after it in brackets (``1 [chip/package]``) or none."""

    value: float
    unit: str = ""


@dataclass(frozen=True)
class Date(Node):
    month: int  # absolute month, year * 12 + month - 1
    text: str


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Select(Node):
    """``base[label]`` or ``base[dimension=label, ...]``: picks are ``(dimension or None, label)``."""

    base: Name
    picks: tuple


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "not"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / ** < <= > >= == != and or
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple


def walk(node: Node):
    """Every node of the tree, parents first."""
    yield node
    if isinstance(node, Select):
        yield node.base
    elif isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for a in node.args:
            yield from walk(a)


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2})(?![\d.eE_])
  | (?P<number>(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/<>()\[\],=])
""", re.VERBOSE)

_WORDS = ("and", "or", "not")


def _tokens(text: str):
    pos = 0
    out = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = m.lastgroup
        tok = m.group(kind)
        if kind != "space":
            if kind == "name" and tok in _WORDS:
                kind = "op"
            out.append((kind, tok, pos + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0
        self.nodes = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, op):
        kind, tok, col = self.take()
        if kind != "op" or tok != op:
            raise ParseError(f"expected {op!r} but found {tok or 'the end of the equation'!r}", col)

    def node(self, cls, *args):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ParseError(f"the equation is too large (more than {MAX_NODES} terms); split it into "
                             "auxiliaries", args[0])
        return cls(*args)

    def at(self, *ops):
        kind, tok, _ = self.peek()
        return kind == "op" and tok in ops

    def expr(self, depth):
        if depth > MAX_DEPTH:
            raise ParseError(f"the equation is nested more than {MAX_DEPTH} levels deep; split it into "
                             "auxiliaries", self.peek()[2])
        return self.or_(depth + 1)

    def _chain(self, ops, sub, depth):
        left = sub(depth)
        while self.at(*ops):
            _, op, col = self.take()
            left = self.node(Binary, col, op, left, sub(depth))
        return left

    def or_(self, d):
        return self._chain(("or",), self.and_, d)

    def and_(self, d):
        return self._chain(("and",), self.not_, d)

    def not_(self, d):
        if self.at("not"):
            _, _, col = self.take()
            return self.node(Unary, col, "not", self.not_(d + 1))
        return self.compare(d)

    def compare(self, d):
        left = self.sum(d)
        if self.at("<", "<=", ">", ">=", "==", "!="):
            _, op, col = self.take()
            left = self.node(Binary, col, op, left, self.sum(d))
            if self.at("<", "<=", ">", ">=", "==", "!="):
                raise ParseError("comparisons do not chain: write (a < b) and (b < c)", self.peek()[2])
        return left

    def sum(self, d):
        return self._chain(("+", "-"), self.term, d)

    def term(self, d):
        return self._chain(("*", "/"), self.unary, d)

    def unary(self, d):
        if d > MAX_DEPTH:
            raise ParseError(f"the equation is nested more than {MAX_DEPTH} levels deep; split it into "
                             "auxiliaries", self.peek()[2])
        if self.at("-", "+"):
            _, op, col = self.take()
            return self.node(Unary, col, op, self.unary(d + 1))
        return self.power(d)

    def power(self, d):
        base = self.atom(d)
        if self.at("**"):
            _, _, col = self.take()
            return self.node(Binary, col, "**", base, self.unary(d + 1))
        return base

    def atom(self, d):
        kind, tok, col = self.take()
        if kind == "number":
            try:
                value = float(tok.replace("_", ""))
            except ValueError:
                raise ParseError(f"{tok!r} is not a number", col) from None
            unit = ""
            if self.at("["):  # units written after a number: 12 [month/year]
                self.take()
                parts = []
                while not self.at("]"):
                    k, t, c = self.take()
                    if k == "end" or (k == "op" and t not in ("/", "*", "**", "(", ")")) or k == "date":
                        raise ParseError(f"units after a number are written like [chip/package], found {t!r}", c)
                    parts.append(t)
                self.take()
                unit = "".join(parts)
                if not unit:
                    raise ParseError("empty units after a number", col)
            return self.node(Num, col, value, unit)
        if kind == "date":
            year, month = int(tok[:4]), int(tok[5:])
            if not 1 <= month <= 12:
                raise ParseError(f"{tok!r}: a month is written YYYY-MM with MM from 01 to 12", col)
            return self.node(Date, col, year * 12 + month - 1, tok)
        if kind == "name":
            if tok.startswith("_"):
                raise ParseError(f"{tok!r}: names may not start with _", col)
            if self.at("("):
                self.take()
                args = []
                if not self.at(")"):
                    args.append(self.expr(d + 1))
                    while self.at(","):
                        self.take()
                        args.append(self.expr(d + 1))
                self.expect(")")
                return self.node(Call, col, tok, tuple(args))
            name = self.node(Name, col, tok)
            if self.at("["):
                self.take()
                picks = [self.pick()]
                while self.at(","):
                    self.take()
                    picks.append(self.pick())
                self.expect("]")
                return self.node(Select, col, name, tuple(picks))
            return name
        if kind == "op" and tok == "(":
            inner = self.expr(d + 1)
            self.expect(")")
            return inner
        raise ParseError(f"expected a number, a month (YYYY-MM), a name or '(' but found "
                         f"{tok or 'the end of the equation'!r}", col)

    def pick(self):
        kind, tok, col = self.take()
        if kind != "name":
            raise ParseError(f"expected a label (or dimension=label) in [...] but found {tok!r}", col)
        if self.at("="):
            self.take()
            kind2, label, col2 = self.take()
            if kind2 != "name":
                raise ParseError(f"expected a label after {tok}= but found {label!r}", col2)
            return (tok, label, col)
        return (None, tok, col)


def parse(text: str) -> Node:
    """The tree of one equation; raises :class:`ParseError` with the column of the problem."""
    if not isinstance(text, str):
        raise ParseError("an equation is a string", 1)
    if len(text) > MAX_TEXT:
        raise ParseError(f"the equation is {len(text):,} characters; at most {MAX_TEXT:,}", 1)
    if not text.strip():
        raise ParseError("the equation is empty", 1)
    p = _Parser(text)
    tree = p.expr(0)
    kind, tok, col = p.peek()
    if kind != "end":
        raise ParseError(f"unexpected {tok!r} after a complete expression", col)
    return tree


def signed_terms(tree) -> list:
    """A stock's change as ``[(+1 or -1, term), ...]`` in the order written: the top-level chain of
    ``+`` and ``-`` (``- lost + arrivals - taken`` gives three terms, applied to the level in turn)."""
    if isinstance(tree, Binary) and tree.op in ("+", "-"):
        return signed_terms(tree.left) + [(1 if tree.op == "+" else -1, tree.right)]
    if isinstance(tree, Unary) and tree.op in ("-", "+"):
        return [(-sign if tree.op == "-" else sign, t) for sign, t in signed_terms(tree.operand)]
    return [(1, tree)]


def names_read(tree):
    """Names an equation reads this month (not inside ``prev()``)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Call) and node.func == "prev":
            if len(node.args) > 1:
                stack.append(node.args[1])
            continue
        if isinstance(node, Name):
            yield node.id
        elif isinstance(node, Select):
            yield node.base.id
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, Call):
            stack.extend(node.args)
