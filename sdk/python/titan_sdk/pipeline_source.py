"""A pipeline document as a small tree that remembers 1-based line numbers.

The TypeScript twin is ``sdk/ts/pipelineSource.ts``; the shared fixtures in
``test/fixtures/pipelines`` keep the two in step. YAML needs PyYAML (read as
YAML 1.1, PyYAML's dialect, as the original SDK did); JSON is read by a small
stdlib scanner so JSON pipelines work, with line numbers, without PyYAML.
Duplicate keys are kept so the rules can report them with their line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .errors import TitanError

YAML_MISSING = "PyYAML is required to read YAML pipelines: pip install pyyaml"
MAX_DEPTH = 100


@dataclass
class Scalar:
    line: int
    value: object
    text: str  # as written: ``1.0`` and ``yes`` stay ``1.0`` and ``yes`` when used as a string
    kind: str = "scalar"


@dataclass
class Seq:
    line: int
    items: list = field(default_factory=list)
    kind: str = "seq"


@dataclass
class Pair:
    key: str
    line: int
    value: object  # Scalar | Seq | Map


@dataclass
class Map:
    line: int
    pairs: list[Pair] = field(default_factory=list)
    kind: str = "map"


class SourceSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def read_source(text: str, fmt: str) -> Scalar | Seq | Map | None:
    """Parse ``fmt`` (``"yaml"`` or ``"json"``); None for an empty document."""
    return _read_json(text) if fmt == "json" else _read_yaml(text)


def _too_deep(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise SourceSyntaxError("the document is nested too deeply", None)


def _read_yaml(text: str):
    try:
        import yaml
    except ImportError:
        raise TitanError(YAML_MISSING) from None
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise SourceSyntaxError(f"not valid YAML: {exc}", mark.line + 1 if mark else None) from None

        def convert(node, depth: int):
            _too_deep(depth)
            line = node.start_mark.line + 1
            if isinstance(node, yaml.MappingNode):
                return Map(line, [Pair(str(k.value) if isinstance(k, yaml.ScalarNode) else str(k),
                                       k.start_mark.line + 1, convert(v, depth + 1))
                                  for k, v in node.value])
            if isinstance(node, yaml.SequenceNode):
                return Seq(line, [convert(item, depth + 1) for item in node.value])
            try:
                value = loader.construct_object(node)
            except yaml.YAMLError as exc:
                raise SourceSyntaxError(f"not valid YAML: {exc}", line) from None
            return Scalar(line, value, value if isinstance(value, str) else node.value)

        return None if root is None else convert(root, 0)
    finally:
        loader.dispose()


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _read_json(text: str):
    """JSON with line numbers: objects and arrays walked here, scalars decoded by ``json``."""

    def line_at(i: int) -> int:
        return text.count("\n", 0, i) + 1

    def fail(msg: str, i: int):
        raise SourceSyntaxError(f"not valid JSON: {msg} (line {line_at(i)})", line_at(i))

    def value(i: int, depth: int):
        _too_deep(depth)
        i = _WS.match(text, i).end()
        ch = text[i:i + 1]
        if ch == "{":
            node, i = Map(line_at(i)), _WS.match(text, i + 1).end()
            if text[i:i + 1] == "}":
                return node, i + 1
            while True:
                if text[i:i + 1] != '"':
                    fail("expected a key in double quotes", i)
                key_line = line_at(i)
                key, i = json.decoder.scanstring(text, i + 1)
                i = _WS.match(text, i).end()
                if text[i:i + 1] != ":":
                    fail("expected ':'", i)
                item, i = value(i + 1, depth + 1)
                node.pairs.append(Pair(key, key_line, item))
                i = _WS.match(text, i).end()
                if text[i:i + 1] == "}":
                    return node, i + 1
                if text[i:i + 1] != ",":
                    fail("expected ',' or '}'", i)
                i = _WS.match(text, i + 1).end()
        if ch == "[":
            node, i = Seq(line_at(i)), _WS.match(text, i + 1).end()
            if text[i:i + 1] == "]":
                return node, i + 1
            while True:
                item, i = value(i, depth + 1)
                node.items.append(item)
                i = _WS.match(text, i).end()
                if text[i:i + 1] == "]":
                    return node, i + 1
                if text[i:i + 1] != ",":
                    fail("expected ',' or ']'", i)
                i += 1
        try:
            scalar, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            fail(exc.msg, i)
        if isinstance(scalar, float) and scalar != scalar or scalar in (float("inf"), float("-inf")):
            fail("NaN and Infinity are not JSON", i)
        return Scalar(line_at(i), scalar, scalar if isinstance(scalar, str) else text[i:end]), end

    try:
        root, end = value(0, 0)
    except json.decoder.JSONDecodeError as exc:  # from scanstring
        fail(exc.msg, exc.pos)
    if _WS.match(text, end).end() != len(text):
        fail("extra data after the document", end)
    return root
