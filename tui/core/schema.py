"""JSON Schema for tool arguments: a form model, a readable tree, and validation before any request.

Rule: a tool's arguments are checked here against its input schema *before* anything is sent; every
problem is one plain sentence naming the field (``labels[2]``, ``attachment.name``). The form model
covers strings, numbers, integers, booleans, enums, arrays of scalars and nested objects; anything
else (``anyOf``, arrays of objects, free-form objects) is a JSON field, the escape hatch.
Textual-free: the console builds widgets from :class:`Field`, the commands only validate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_DEPTH = 6


class FieldKind(StrEnum):
    """How a field is edited in the generated form."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ENUM = "enum"
    ARRAY = "array"
    """An array of scalars, typed as comma-separated values."""
    OBJECT = "object"
    """A nested object with its own fields."""
    JSON = "json"
    """Anything the form cannot express: typed as JSON."""


@dataclass(frozen=True, slots=True)
class Field:
    path: tuple[str, ...]
    kind: FieldKind
    required: bool = False
    type_label: str = ""
    title: str = ""
    description: str = ""
    enum: tuple[Any, ...] = ()
    default: Any = None
    item_kind: FieldKind | None = None
    """For ARRAY: the kind of each item."""
    children: tuple[Field, ...] = ()
    """For OBJECT: its fields, required first."""

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One line of the readable schema tree."""

    depth: int
    name: str
    type_label: str
    required: bool
    enum: tuple[Any, ...] = ()
    description: str = ""


@dataclass(slots=True)
class Built:
    """Arguments assembled from form texts, with every problem found on the way."""

    arguments: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _types(schema: dict) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    if isinstance(kind, str):
        return [kind]
    if "properties" in schema:
        return ["object"]
    if "enum" in schema:
        return sorted({_json_type(v) for v in schema["enum"]})
    return []


def _non_null(schema: dict) -> list[str]:
    return [t for t in _types(schema) if t != "null"]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def type_label(schema: dict) -> str:
    """``string``, ``integer``, ``array of string``, ``object``, ``string | null``, ``any``."""
    if not isinstance(schema, dict):
        return "any"
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        return " | ".join(type_label(o) for o in options if isinstance(o, dict)) or "any"
    kinds = _types(schema)
    if not kinds:
        return "any"
    labels = []
    for k in kinds:
        if k == "array" and isinstance(schema.get("items"), dict):
            labels.append(f"array of {type_label(schema['items'])}")
        else:
            labels.append(k)
    return " | ".join(labels)


def _properties(schema: dict) -> list[tuple[str, dict, bool]]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    required = set(schema.get("required") or [])
    rows = [(str(name), sub if isinstance(sub, dict) else {}, name in required) for name, sub in props.items()]
    # required first, then the schema's own order (sorted is stable)
    return sorted(rows, key=lambda r: not r[2])


def _scalar_kind(schema: dict) -> FieldKind | None:
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return FieldKind.ENUM
    kinds = _non_null(schema)
    if len(kinds) != 1:
        return None
    return {"string": FieldKind.STRING, "integer": FieldKind.INTEGER, "number": FieldKind.NUMBER,
            "boolean": FieldKind.BOOLEAN}.get(kinds[0])


def _field(path: tuple[str, ...], schema: dict, required: bool, depth: int) -> Field:
    common = dict(path=path, required=required, type_label=type_label(schema),
                  title=str(schema.get("title") or ""), description=str(schema.get("description") or ""),
                  default=schema.get("default"))
    if "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        return Field(kind=FieldKind.JSON, **common)
    scalar = _scalar_kind(schema)
    if scalar is not None:
        return Field(kind=scalar, enum=tuple(schema.get("enum") or ()), **common)
    kinds = _non_null(schema)
    if kinds == ["array"]:
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        item_kind = _scalar_kind(items)
        if item_kind is not None:
            return Field(kind=FieldKind.ARRAY, item_kind=item_kind, enum=tuple(items.get("enum") or ()), **common)
    if kinds == ["object"] and _properties(schema) and depth < MAX_DEPTH:
        children = tuple(_field(path + (name,), sub, req, depth + 1) for name, sub, req in _properties(schema))
        return Field(kind=FieldKind.OBJECT, children=children, **common)
    return Field(kind=FieldKind.JSON, **common)


def form_fields(schema: dict) -> list[Field]:
    """The form for an input schema: one Field per top-level property, required first."""
    return [_field((name,), sub, req, 1) for name, sub, req in _properties(schema or {})]


def leaves(fields: list[Field] | tuple[Field, ...]) -> list[Field]:
    """Every editable field, depth first (objects are containers, their children are edited)."""
    out: list[Field] = []
    for f in fields:
        if f.kind == FieldKind.OBJECT:
            out.extend(leaves(f.children))
        else:
            out.append(f)
    return out


def tree(schema: dict, depth: int = 0) -> list[TreeRow]:
    """The schema as rows: name, type, required, enum, description; required fields first."""
    rows: list[TreeRow] = []
    if depth > MAX_DEPTH:
        return rows
    for name, sub, req in _properties(schema or {}):
        enum = tuple(sub.get("enum") or (sub.get("items") or {}).get("enum") or ()) if isinstance(sub, dict) else ()
        rows.append(TreeRow(depth, name, type_label(sub), req, enum, str(sub.get("description") or "")))
        if _non_null(sub) == ["object"]:
            rows.extend(tree(sub, depth + 1))
        elif _non_null(sub) == ["array"] and isinstance(sub.get("items"), dict) and sub["items"].get("properties"):
            rows.extend(tree(sub["items"], depth + 1))
    return rows


def tree_text(schema: dict) -> str:
    """The tree as plain text (for copying and for the commands)."""
    lines = []
    for row in tree(schema):
        mark = "*" if row.required else " "
        line = f"{'  ' * row.depth}{mark} {row.name}: {row.type_label}"
        if row.enum:
            line += " — one of " + ", ".join(json.dumps(v) for v in row.enum)
        if row.description:
            line += f" — {row.description}"
        lines.append(line)
    return "\n".join(lines) or "(no parameters)"


# --- validation ------------------------------------------------------------------------------------


def _where(path: str) -> str:
    return path or "the arguments"


def _matches_type(value: Any, kind: str) -> bool:
    actual = _json_type(value)
    if kind == "number":
        return actual in ("number", "integer")
    if kind == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == kind


def validate(schema: dict, value: Any, path: str = "", depth: int = 0) -> list[str]:
    """Every way ``value`` breaks ``schema``, each one sentence; [] when it fits."""
    if not isinstance(schema, dict) or not schema or depth > 32:
        return []
    problems: list[str] = []
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        if all(validate(o, value, path, depth + 1) for o in options if isinstance(o, dict)):
            return [f"{_where(path)} does not match any allowed form ({type_label(schema)})."]
        return []
    kinds = _types(schema)
    if kinds and not any(_matches_type(value, k) for k in kinds):
        return [f"{_where(path)} must be {' or '.join(kinds)}, not {_json_type(value)}."]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and value not in enum:
        allowed = ", ".join(json.dumps(v) for v in enum)
        return [f"{_where(path)} must be one of {allowed}, not {json.dumps(value)}."]
    if isinstance(value, dict):
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        for name in schema.get("required") or []:
            if name not in value or value[name] is None or value[name] == "":
                problems.append(f"{_join(path, name)} is required.")
        for name, sub in value.items():
            if name in props:
                if sub is None and name not in (schema.get("required") or []):
                    continue
                problems.extend(validate(props[name], sub, _join(path, name), depth + 1))
            elif schema.get("additionalProperties") is False:
                problems.append(f"{_join(path, name)} is not a parameter of this tool.")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            problems.extend(validate(schema["items"], item, f"{path}[{i}]", depth + 1))
    elif isinstance(value, str):
        if isinstance(schema.get("minLength"), int) and len(value) < schema["minLength"]:
            problems.append(f"{_where(path)} must have at least {schema['minLength']} characters.")
        if isinstance(schema.get("maxLength"), int) and len(value) > schema["maxLength"]:
            problems.append(f"{_where(path)} must have at most {schema['maxLength']} characters.")
    elif _json_type(value) in ("integer", "number"):
        if isinstance(schema.get("minimum"), (int, float)) and value < schema["minimum"]:
            problems.append(f"{_where(path)} must be at least {schema['minimum']}.")
        if isinstance(schema.get("maximum"), (int, float)) and value > schema["maximum"]:
            problems.append(f"{_where(path)} must be at most {schema['maximum']}.")
    return problems


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# --- form texts -> arguments ------------------------------------------------------------------------


class FieldError(ValueError):
    """A form text that cannot become a value of its field; ``str`` is one sentence."""


def parse_scalar(kind: FieldKind, text: str, where: str, enum: tuple[Any, ...] = ()) -> Any:
    text = text.strip()
    if kind == FieldKind.INTEGER:
        try:
            return int(text)
        except ValueError:
            raise FieldError(f"{where} must be a whole number, not {text!r}.") from None
    if kind == FieldKind.NUMBER:
        try:
            number = float(text)
        except ValueError:
            raise FieldError(f"{where} must be a number, not {text!r}.") from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == FieldKind.BOOLEAN:
        low = text.casefold()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise FieldError(f"{where} must be true or false, not {text!r}.")
    if kind == FieldKind.ENUM:
        for option in enum:
            if text == (option if isinstance(option, str) else json.dumps(option)):
                return option
        raise FieldError(f"{where} must be one of {', '.join(json.dumps(v) for v in enum)}, not {text!r}.")
    return text


def parse_field(f: Field, raw: Any) -> Any:
    """One form value (text, bool from a switch, enum choice) as the argument value."""
    where = f.dotted
    if f.kind == FieldKind.BOOLEAN and isinstance(raw, bool):
        return raw
    text = "" if raw is None else str(raw)
    if f.kind == FieldKind.JSON:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise FieldError(f"{where} is not valid JSON ({exc.msg} at character {exc.pos + 1}).") from None
    if f.kind == FieldKind.ARRAY:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        return [parse_scalar(f.item_kind or FieldKind.STRING, p, f"{where} item {i + 1}", f.enum)
                for i, p in enumerate(parts)]
    return parse_scalar(f.kind, text, where, f.enum)


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def build(fields: list[Field], values: dict[str, Any], schema: dict) -> Built:
    """Arguments from form values (keyed by ``Field.dotted``): blank optional fields are left out,
    then the whole is validated against ``schema``. Blank required fields are reported, not sent."""
    built = Built()

    def fill(group: tuple[Field, ...] | list[Field], target: dict[str, Any]) -> None:
        for f in group:
            if f.kind == FieldKind.OBJECT:
                inner: dict[str, Any] = {}
                fill(f.children, inner)
                if inner:
                    target[f.name] = inner
                continue
            raw = values.get(f.dotted)
            if _blank(raw):
                continue
            try:
                target[f.name] = parse_field(f, raw)
            except FieldError as exc:
                built.problems.append(str(exc))

    fill(fields, built.arguments)
    seen = set(built.problems)
    for problem in validate(schema, built.arguments):
        if problem not in seen:
            built.problems.append(problem)
    return built


def parse_arguments(text: str) -> dict[str, Any]:
    """The JSON escape hatch / ``--args``: a JSON object or a FieldError in plain words."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise FieldError(f"The arguments are not valid JSON ({exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}).") from None
    if not isinstance(value, dict):
        raise FieldError(f"The arguments must be a JSON object ({{\"name\": value, …}}), not {_json_type(value)}.")
    return value


def example(schema: dict, depth: int = 0) -> Any:
    """A skeleton value for a schema (the JSON editor's starting text)."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kinds = _non_null(schema)
    kind = kinds[0] if kinds else "string"
    if kind == "object":
        return {name: example(sub, depth + 1) for name, sub, req in _properties(schema) if req}
    return {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}.get(kind)
