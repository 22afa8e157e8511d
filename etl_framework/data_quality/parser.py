"""DQDL (Glue Data Quality's rule language) parsed into rule objects.

A ruleset is an optional ``Metadata = { "Version": "1.0" }`` block and ``Rules = [ rule, ... ]``;
``#`` starts a comment. A rule is ``RuleType "arg" ... [constraint] [where "sql"] [with threshold
constraint]``, or rules in parentheses joined by ``and`` / ``or``. Errors name the rule and the column
within it:

    >>> [str(r) for r in parse('Rules = [ RowCount > 0, (IsComplete "id") and (IsUnique "id") ]').rules]
    ['RowCount > 0', '(IsComplete "id") and (IsUnique "id")']
    >>> parse('Rules = [ RowCount > 0, ColumnValues "total" >> 0 ]')
    Traceback (most recent call last):
    ...
    etl_framework.errors.EtlError: DQDL: rule 2 'ColumnValues "total" >> 0' at column 23: expected a value, found '>'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import EtlError

_TOKEN = re.compile(
    r"""(?P<space>\s+|\#[^\n]*)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>>=|<=|!=|=|>|<|\+|-|\*|/|\(|\)|\[|\]|\{|\}|,|:)""",
    re.VERBOSE,
)
COMPARISONS = (">=", "<=", "!=", "=", ">", "<")
UNITS = {"days": 86400.0, "hours": 3600.0, "minutes": 60.0}  # DQDL's time units, in seconds
KEYWORDS = ("NULL", "EMPTY", "WHITESPACES_ONLY")  # value keywords of ColumnValues' in [...] and =


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


# Values: a number, a string (or date), a keyword, now() +- a duration, a duration (DataFreshness),
# or a dynamic expression over the stored history of the rule's metric.
@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Keyword:
    name: str  # NULL, EMPTY or WHITESPACES_ONLY


@dataclass(frozen=True)
class Duration:
    seconds: float


@dataclass(frozen=True)
class Now:
    offset_seconds: float = 0.0


@dataclass(frozen=True)
class Last:
    """``last(k)``: the last k stored values of the rule's metric."""

    k: int


@dataclass(frozen=True)
class Call:
    """``avg(last(3))``, ``min(...)``, ``max(...)``, ``std(...)``, ``sum(...)``, ``index(last(3), 0)``."""

    name: str
    args: tuple[Value, ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Value
    right: Value


Value = Num | Str | Keyword | Duration | Now | Last | Call | BinOp
FUNCTIONS = ("avg", "min", "max", "std", "sum", "index")


@dataclass(frozen=True)
class Constraint:
    """``> 3``, ``between 1 and 5``, ``in ["a", NULL]``, ``matches "re"``; ``negated`` for ``not in``..."""

    op: str  # one of COMPARISONS, "between", "in", "matches"
    values: tuple[Value, ...]
    negated: bool = False


@dataclass
class Rule:
    """One rule: its type, quoted arguments, constraint, ``where`` filter and ``with threshold``."""

    type: str
    args: list[str]
    constraint: Constraint | None
    where: str | None
    threshold: Constraint | None
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Composite:
    """``(rule) and (rule)`` / ``or``: the parts evaluated separately, their outcomes combined."""

    op: str
    parts: list[Rule | Composite]
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Ruleset:
    rules: list[Rule | Composite]
    metadata: dict[str, str]


def parse(ruleset: str) -> Ruleset:
    """The rules of a DQDL document; an EtlError pointing at the rule and column on bad input."""
    return _Parser(ruleset).ruleset()


def _tokens(text: str) -> list[Token]:
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            what = "unterminated string" if text[pos] == '"' else f"unexpected character {text[pos]!r}"
            line = text.count("\n", 0, pos) + 1
            col = pos - (text.rfind("\n", 0, pos) + 1) + 1
            raise EtlError(f"DQDL: line {line} column {col}: {what}")
        if match.lastgroup != "space":
            out.append(Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    out.append(Token("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.rule_no = 0
        self.rule_start: int | None = None

    # --- helpers ---------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def next(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind != "string" and self.tok.text in texts

    def expect(self, text: str) -> Token:
        if not self.at(text):
            self.fail(f"expected {text!r}")
        return self.next()

    def fail(self, what: str, tok: Token | None = None) -> None:
        tok = tok or self.tok
        found = f", found {tok.text!r}" if tok.kind not in ("end",) and what.startswith("expected") else ""
        if self.rule_start is None:
            line = self.text.count("\n", 0, tok.pos) + 1
            col = tok.pos - (self.text.rfind("\n", 0, tok.pos) + 1) + 1
            raise EtlError(f"DQDL: line {line} column {col}: {what}{found}")
        text = self._rule_text(self.rule_start)
        raise EtlError(f"DQDL: rule {self.rule_no} {text!r} at column {tok.pos - self.rule_start + 1}: {what}{found}")

    def _rule_text(self, start: int) -> str:
        """The source of the rule starting at ``start``: up to the comma or ``]`` that ends it."""
        depth, j = 0, next(k for k, t in enumerate(self.toks) if t.pos >= start)
        while self.toks[j].kind != "end":
            t = self.toks[j]
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif t.kind == "op" and t.text == "," and depth == 0:
                break
            j += 1
        end = self.toks[j - 1].pos + len(self.toks[j - 1].text) if j > 0 else start
        return " ".join(self.text[start:end].split())

    def string(self, what: str) -> str:
        if self.tok.kind != "string":
            self.fail(f"expected {what} in double quotes")
        return _unquote(self.next().text)

    # --- grammar ---------------------------------------------------------------------------------
    def ruleset(self) -> Ruleset:
        metadata: dict[str, str] = {}
        rules: list[Rule | Composite] | None = None
        while self.tok.kind != "end":
            if self.at("Metadata"):
                self.next()
                self.expect("=")
                metadata = self.mapping()
            elif self.at("Rules"):
                self.next()
                self.expect("=")
                rules = self.rule_list()
            elif self.at("Analyzers"):
                self.fail("Analyzers are not evaluated here; use rules (see the README's Data quality section)")
            else:
                self.fail("expected 'Rules = [ ... ]'")
        if rules is None:
            self.fail("expected 'Rules = [ ... ]'")
        return Ruleset(rules or [], metadata)

    def mapping(self) -> dict[str, str]:
        out: dict[str, str] = {}
        self.expect("{")
        while not self.at("}"):
            key = self.string("a key")
            self.expect(":")
            out[key] = self.string("a value")
            if not self.at("}"):
                self.expect(",")
        self.next()
        return out

    def rule_list(self) -> list[Rule | Composite]:
        self.expect("[")
        out: list[Rule | Composite] = []
        while not self.at("]"):
            self.rule_no += 1
            self.rule_start = self.tok.pos
            out.append(self.rule_or_composite())
            if not self.at("]"):
                if not self.at(","):
                    self.fail("expected ',' or ']' after the rule")
                self.next()
            self.rule_start = None
        self.next()
        if not out:
            self.fail("expected at least one rule in 'Rules = [ ... ]'", self.toks[self.i - 1])
        return out

    def rule_or_composite(self) -> Rule | Composite:
        start = self.tok.pos
        if not self.at("("):
            return self.rule(start)
        parts, op = [self.parenthesized()], None
        while self.at("and", "or", "AND", "OR"):
            this = self.next().text.lower()
            if op is not None and this != op:
                self.fail(f"mixed 'and' and 'or': put the '{this}' part in parentheses", self.toks[self.i - 1])
            op = this
            parts.append(self.parenthesized())
        if op is None:
            return parts[0]
        return Composite(op, parts, self._source(start))

    def parenthesized(self) -> Rule | Composite:
        self.expect("(")
        inner = self.rule_or_composite()
        self.expect(")")
        return inner

    def _source(self, start: int) -> str:
        last = self.toks[self.i - 1]
        return " ".join(self.text[start : last.pos + len(last.text)].split())

    def rule(self, start: int) -> Rule:
        if self.tok.kind != "word":
            self.fail("expected a rule type (RowCount, IsComplete, ColumnValues, ...)")
        kind = self.next().text
        args: list[str] = []
        while self.tok.kind == "string":
            args.append(_unquote(self.next().text))
        constraint = self.constraint() if self.at(*COMPARISONS, "between", "in", "matches", "not") else None
        where = threshold = None
        while self.at("where", "with"):
            if self.next().text == "where":
                where = self.string("a SQL condition")
            else:
                self.expect("threshold")
                threshold = self.constraint()
        if self.tok.kind not in ("end",) and not self.at(",", "]", ")"):
            self.fail("expected ',', 'where', 'with threshold' or the end of the rule")
        return Rule(kind, args, constraint, where, threshold, self._source(start))

    def constraint(self) -> Constraint:
        negated = self.at("not")
        if negated:
            self.next()
        elif self.at(*COMPARISONS):
            return Constraint(self.next().text, (self.value(),))
        if self.at("between"):
            self.next()
            low = self.value()
            self.expect("and")
            return Constraint("between", (low, self.value()), negated)
        if self.at("in"):
            self.next()
            self.expect("[")
            items = [self.value()]
            while self.at(","):
                self.next()
                items.append(self.value())
            self.expect("]")
            return Constraint("in", tuple(items), negated)
        if self.at("matches"):
            self.next()
            return Constraint("matches", (Str(self.string("a regular expression")),), negated)
        self.fail("expected a comparison (>, >=, <, <=, =, !=), 'between', 'in' or 'matches'")
        raise AssertionError  # fail raised

    # value := term (("+"|"-") term)* ; term := atom (("*"|"/") atom)*
    def value(self) -> Value:
        left = self.term()
        while self.at("+", "-"):
            op = self.next().text
            left = _fold(BinOp(op, left, self.term()))
        return left

    def term(self) -> Value:
        left = self.atom()
        while self.at("*", "/"):
            op = self.next().text
            left = BinOp(op, left, self.atom())
        return left

    def atom(self) -> Value:
        tok = self.tok
        if tok.kind == "number":
            self.next()
            if self.tok.kind == "word" and self.tok.text in UNITS:
                return Duration(float(tok.text) * UNITS[self.next().text])
            return Num(float(tok.text))
        if tok.kind == "string":
            return Str(_unquote(self.next().text))
        if self.at(*KEYWORDS):
            return Keyword(self.next().text)
        if self.at("("):
            self.next()
            inner = self.value()
            self.expect(")")
            return inner
        if self.at("now"):
            self.next()
            self.expect("(")
            self.expect(")")
            return Now()
        if self.at("last"):
            self.next()
            self.expect("(")
            if self.tok.kind != "number" or not self.tok.text.isdigit() or int(self.tok.text) < 1:
                self.fail("expected a whole number of runs ≥ 1")
            k = int(self.next().text)
            self.expect(")")
            return Last(k)
        if tok.kind == "word" and tok.text in FUNCTIONS:
            self.next()
            self.expect("(")
            args = [self.value()]
            while self.at(","):
                self.next()
                args.append(self.value())
            self.expect(")")
            return Call(tok.text, tuple(args))
        self.fail("expected a value")
        raise AssertionError  # fail raised


def _fold(op: BinOp) -> Value:
    """``now() - 3 days`` becomes one Now value; durations add up."""
    sign = 1.0 if op.op == "+" else -1.0
    if isinstance(op.left, Now) and isinstance(op.right, Duration):
        return Now(op.left.offset_seconds + sign * op.right.seconds)
    return op


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])
