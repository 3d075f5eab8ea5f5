"""The rule language: a typed subset of CEL, parsed into a small tree both evaluators share.

The single evaluator runs the CEL text itself (the ``common-expression-language`` package); the bulk evaluator
compiles this tree to vectorised column expressions. Parsing here is what lets validation say *which*
attribute is unknown, *which* function is not allowed and *which* operands do not fit, and lets the bulk path
exist at all. What the subset allows:

- literals: integers, decimals (``1.5``, ``2e3``), strings, ``true``/``false``, lists of literals;
- names: the enterprise's attributes (``staff_count``) and the policy's dated parameters (``p.max_staff``);
- operators: ``! - * / + - < <= > >= == != in && || ?:`` with CEL's precedence;
- functions: ``startsWith endsWith contains`` on strings, ``size``, ``int``, ``double``, ``min``, ``max``.

Like CEL, numbers do not mix in arithmetic (``staff_count * 0.5`` is a type error: write
``double(staff_count) * 0.5``); comparisons may mix ``int`` and ``double``. ``/`` is for decimals only, so
integer division's rounding never differs between the two evaluators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final, cast

from onething.policies.attributes import BOOL, DOUBLE, DOUBLES, INT, INTS, STRING, STRINGS, TYPE_NAMES


class RuleError(ValueError):
    """The text is not a valid rule; the message is for the person who wrote it."""


# ---------------------------------------------------------------- tree


@dataclass(frozen=True, slots=True)
class Lit:
    value: int | float | str | bool
    type: str


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Lit, ...]
    type: str


@dataclass(frozen=True, slots=True)
class Attr:
    name: str


@dataclass(frozen=True, slots=True)
class Param:
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "!" | "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Ternary:
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]  # for a method, the receiver comes first


Node = Lit | ListLit | Attr | Param | Unary | Binary | Ternary | Call

METHODS: Final = frozenset({"startsWith", "endsWith", "contains"})
FUNCTIONS: Final = frozenset({"size", "int", "double", "min", "max"})
PARAMS_VAR: Final = "p"

# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)
    | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/<>!?:().,\[\]])
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num | str | name | op | end
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            bad = text[pos:].lstrip()[:1]
            raise RuleError(f"无法识别的字符 {bad!r}（第 {len(text) - len(text[pos:].lstrip()) + 1} 个字符）")
        out.append(_Tok(match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
        pos = match.end()
    out.append(_Tok("end", "", len(text)))
    return out


def _unquote(raw: str) -> str:
    """Only the escapes both evaluators read alike; CEL's others (\\u, \\x, octal…) are refused."""

    def escape(match: re.Match[str]) -> str:
        if match.group(1) not in _ESCAPES:
            raise RuleError(f"不支持的转义 \\{match.group(1)}：请直接写出字符")
        return _ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", escape, raw[1:-1])


# ---------------------------------------------------------------- parser

_RELATIONS: Final = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text or tok.kind not in ("op",):
            raise RuleError(f"此处应为 {text!r}，实际为 {tok.text or '结尾'!r}")

    def parse(self) -> Node:
        node = self.ternary()
        if self.peek().kind != "end":
            raise RuleError(f"多余的内容：{self.peek().text!r}")
        return node

    def ternary(self) -> Node:
        test = self.or_()
        if self.peek().text == "?":
            self.take()
            then = self.or_()
            self.expect(":")
            return Ternary(test, then, self.ternary())
        return test

    def or_(self) -> Node:
        node = self.and_()
        while self.peek().text == "||":
            self.take()
            node = Binary("||", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.relation()
        while self.peek().text == "&&":
            self.take()
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        node = self.additive()
        while self.peek().text in _RELATIONS:
            op = self.take().text
            node = Binary(op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take().text
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            op = self.take().text
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("!", "-"):
            self.take()
            operand = self.unary()
            if tok.text == "-" and isinstance(operand, Lit) and operand.type in (INT, DOUBLE):
                return Lit(-cast(float, operand.value), operand.type)  # a negative literal, not an operation
            return Unary(tok.text, operand)
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while self.peek().text == "." and self.peek().kind == "op":
            self.take()
            name = self.take()
            if name.kind != "name":
                raise RuleError("“.” 后面应为名称")
            if self.peek().text != "(":
                raise RuleError(f"不能读取 .{name.text}：只有参数可以这样写（p.{name.text}）")
            if name.text not in METHODS:
                raise RuleError(f"不允许的函数 {name.text}()；可用的有：{_allowed()}")
            node = Call(name.text, (node, *self.arguments()))
        return node

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        if self.peek().text != ")":
            args.append(self.ternary())
            while self.peek().text == ",":
                self.take()
                args.append(self.ternary())
        self.expect(")")
        return tuple(args)

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            if re.fullmatch(r"\d+", tok.text):
                return Lit(int(tok.text), INT)
            return Lit(float(tok.text), DOUBLE)
        if tok.kind == "str":
            return Lit(_unquote(tok.text), STRING)
        if tok.kind == "name":
            return self.named(tok)
        if tok.text == "(":
            node = self.ternary()
            self.expect(")")
            return node
        if tok.text == "[":
            return self.list_literal()
        raise RuleError(f"此处应为值或名称，实际为 {tok.text or '结尾'!r}")

    def named(self, tok: _Tok) -> Node:
        if tok.text in ("true", "false"):
            return Lit(tok.text == "true", BOOL)
        if tok.text == "null":
            raise RuleError("规则中不能写 null：缺少的数据自动视为“无法判断”")
        if tok.text == PARAMS_VAR and self.peek().text == ".":
            self.take()
            name = self.take()
            if name.kind != "name":
                raise RuleError("p. 后面应为参数名")
            return Param(name.text)
        if self.peek().text == "(":
            if tok.text not in FUNCTIONS:
                raise RuleError(f"不允许的函数 {tok.text}()；可用的有：{_allowed()}")
            return Call(tok.text, self.arguments())
        return Attr(tok.text)

    def list_literal(self) -> ListLit:
        items: list[Lit] = []
        while self.peek().text != "]":
            item = self.unary()
            if not isinstance(item, Lit):
                raise RuleError('列表中只能写常量，如 ["A", "B"]')
            items.append(item)
            if self.peek().text == ",":
                self.take()
            elif self.peek().text != "]":
                raise RuleError("列表元素之间应以逗号分隔")
        self.take()
        types = {i.type for i in items}
        if len(types) != 1:
            raise RuleError("列表不能为空，元素类型也必须一致")
        (elem,) = types
        if elem not in _LIST_OF:
            raise RuleError("列表元素只能是文字、整数或小数")
        return ListLit(tuple(items), _LIST_OF[elem])


_LIST_OF: Final = {STRING: STRINGS, INT: INTS, DOUBLE: DOUBLES}
_ELEMENT: Final = {v: k for k, v in _LIST_OF.items()}


def _allowed() -> str:
    return "、".join([*(f"{m}()" for m in sorted(METHODS)), *(f"{f}()" for f in sorted(FUNCTIONS))])


def parse(text: str) -> Node:
    if not text.strip():
        raise RuleError("规则为空")
    return _Parser(text).parse()


# ---------------------------------------------------------------- types

_NUMBERS: Final = frozenset({INT, DOUBLE})


def _name(type_: str) -> str:
    return TYPE_NAMES.get(type_, type_)


class Checker:
    """Types a tree against the attributes' and parameters' types; raises ``RuleError`` on the first fault."""

    def __init__(
        self, attributes: Mapping[str, str], params: Mapping[str, str], nonzero: frozenset[str] = frozenset()
    ) -> None:
        self.attributes = attributes
        self.params = params
        self.nonzero = nonzero  # parameters never 0 on any date: the only divisors besides literals

    def type_of(self, node: Node) -> str:
        if isinstance(node, Lit):
            return node.type
        if isinstance(node, ListLit):
            raise RuleError('列表常量只能写在 in 的右边，如 industry in ["H6210", "H6220"]')
        if isinstance(node, Attr):
            if node.name not in self.attributes:
                raise RuleError(f"未知的企业属性 {node.name}" + _suggest(node.name, self.attributes))
            return self.attributes[node.name]
        if isinstance(node, Param):
            if node.name not in self.params:
                raise RuleError(f"未定义的参数 p.{node.name}" + _suggest(node.name, self.params))
            return self.params[node.name]
        if isinstance(node, Unary):
            inner = self.type_of(node.operand)
            want = BOOL if node.op == "!" else None
            if (want and inner != want) or (not want and inner not in _NUMBERS):
                raise RuleError(f"“{node.op}” 不能用于{_name(inner)}")
            return inner
        if isinstance(node, Ternary):
            if self.type_of(node.test) != BOOL:
                raise RuleError("“?:” 的条件必须是是/否")
            a, b = self.type_of(node.then), self.type_of(node.otherwise)
            if a != b:
                raise RuleError(f"“?:” 两个分支类型不同：{_name(a)} 与 {_name(b)}")
            return a
        if isinstance(node, Call):
            return self._call(node)
        return self._binary(node)

    def _binary(self, node: Binary) -> str:
        op = node.op
        left = self.type_of(node.left)
        right = node.right.type if op == "in" and isinstance(node.right, ListLit) else self.type_of(node.right)
        if op in ("&&", "||"):
            if left != BOOL or right != BOOL:
                raise RuleError(f"“{op}” 两边都必须是是/否")
            return BOOL
        if op == "in":
            if right not in _ELEMENT or _ELEMENT[right] != left:
                want = _name(_ELEMENT.get(right, "值"))
                raise RuleError(f"“in” 要求左边是{want}、右边是列表，实际为 {_name(left)} in {_name(right)}")
            return BOOL
        if op in ("==", "!="):
            if left != right and not (left in _NUMBERS and right in _NUMBERS):
                raise RuleError(f"不能比较{_name(left)}与{_name(right)}")
            return BOOL
        if op in ("<", "<=", ">", ">="):
            if not ((left in _NUMBERS and right in _NUMBERS) or left == right == STRING):
                raise RuleError(f"“{op}” 不能比较{_name(left)}与{_name(right)}")
            return BOOL
        if left not in _NUMBERS or right not in _NUMBERS:
            raise RuleError(f"“{op}” 只能用于数字，实际为{_name(left)}与{_name(right)}")
        if left != right:
            raise RuleError(f"整数与小数不能直接运算（{op}）：请用 double(...) 转换整数")
        if op == "/" and left == INT:
            raise RuleError("“/” 只用于小数：请写 double(a) / double(b)")
        if op == "/" and not self._constant_divisor(node.right):
            raise RuleError("“/” 只能除以非零常数或非零参数（避免除以零）：请改写为乘法比较")
        return left

    def _constant_divisor(self, node: Node) -> bool:
        if isinstance(node, Lit):
            return node.value != 0
        return isinstance(node, Param) and node.name in self.nonzero

    def _call(self, node: Call) -> str:
        types = [self.type_of(a) for a in node.args]
        fn = node.function
        if fn in METHODS:
            if types != [STRING, STRING]:
                raise RuleError(f'{fn}() 用于文字，如 industry.{fn}("C")')
            return BOOL
        if fn == "size":
            if len(types) != 1 or types[0] not in (STRING, STRINGS, INTS, DOUBLES):
                raise RuleError("size() 需要一个文字或列表")
            return INT
        if fn in ("int", "double"):
            if len(types) != 1 or types[0] not in _NUMBERS:
                raise RuleError(f"{fn}() 需要一个数字")
            return INT if fn == "int" else DOUBLE
        if len(types) != 2 or types[0] != types[1] or types[0] not in _NUMBERS:
            raise RuleError(f"{fn}() 需要两个同类型的数字")
        return types[0]


def _suggest(name: str, known: Mapping[str, str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"（是否想写 {close[0]}？）" if close else ""


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Unary):
        yield from walk(node.operand)
    elif isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Ternary):
        yield from walk(node.test)
        yield from walk(node.then)
        yield from walk(node.otherwise)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)


def attributes_read(node: Node) -> tuple[str, ...]:
    """The attributes a rule reads, in first-read order (its explanation lists them in this order)."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Attr):
            seen.setdefault(n.name)
    return tuple(seen)


def params_read(node: Node) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Param):
            seen.setdefault(n.name)
    return tuple(seen)
