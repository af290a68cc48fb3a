"""Plain-data helpers shared by the app-template model: key paths, refusals, Go semantics.

The model reads HelmRelease values the way the chart's Go templates do, so a few
Go/Sprig notions recur everywhere: "empty" (what `with`/`default` treat as unset),
`toString` of numbers (Helm hands templates float64, printed with `%v`), and the
refusal of anything the model cannot reproduce exactly, named by its key path.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from appt2dispatch.errors import ModelRefusedError

SUGGESTION = "render the old side with --app-template-chart or --old-manifests"


def join_path(path: str, key: object) -> str:
    """`controllers.main` + `pod` -> `controllers.main.pod`; list indices as `[0]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def refuse(path: str, reason: str) -> NoReturn:
    """Stop: the built-in model cannot reproduce what the real chart does here."""
    raise ModelRefusedError(
        f"built-in app-template model cannot render `{path}`: {reason}; {SUGGESTION}", path
    )


def check_keys(mapping: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    """Refuse the first key the model does not know (sorted, so the message is stable)."""
    known = set(allowed)
    for key in sorted(mapping, key=str):
        if key not in known:
            refuse(join_path(path, key), "this key is outside the built-in model")


def expect_mapping(value: Any, path: str) -> dict[str, Any]:
    """A mapping, or {} for null; anything else is refused."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        refuse(path, f"expected a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            refuse(join_path(path, key), "keys must be strings")
    return dict(value)


def expect_list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        refuse(path, f"expected a list, got {type(value).__name__}")
    return list(value)


def expect_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        refuse(path, f"expected a string, got {type(value).__name__}")
    return value


def expect_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        refuse(path, f"expected true or false, got {value!r}")
    return value


def enabled_section(
    value: Any, path: str, allowed: Iterable[str], *, skip_non_mappings: bool = False
) -> dict[str, dict[str, Any]]:
    """The enabled items of a section (`ingress`, `secrets`, ...) by identifier, keys checked.

    `skip_non_mappings`: the chart ignores entries that are not mappings there.
    """
    section = expect_mapping(value, path)
    allowed = tuple(allowed)
    items: dict[str, dict[str, Any]] = {}
    for identifier in sorted(section):
        item_path = join_path(path, identifier)
        if skip_non_mappings and not isinstance(section[identifier], Mapping):
            continue
        item = expect_mapping(section[identifier], item_path)
        check_keys(item, allowed, item_path)
        if enabled(item, item_path):
            items[identifier] = item
    return items


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def go_empty(value: Any) -> bool:
    """Go template truthiness: nil, false, 0, "" and empty collections are empty."""
    if value is None or value is False:
        return True
    if is_number(value):
        return bool(value == 0)
    if isinstance(value, (str, list, dict, tuple)):
        return len(value) == 0
    return False


def enabled(item: Mapping[str, Any], path: str) -> bool:
    """Items are enabled unless `enabled` says otherwise (the chart's rule)."""
    if "enabled" not in item:
        return True
    return expect_bool(item["enabled"], join_path(path, "enabled"))


def format_go_float(number: float) -> str:
    """Go's `%v` for a float64 (what Sprig `toString` and template printing produce).

    Shortest round-trip digits, exponent form when the decimal exponent is < -4
    or >= 21 is JSON's rule, not this one: `%v` switches at >= 6 (`1e+06`).
    """
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    sign, digit_tuple, exponent = decimal.Decimal(repr(float(number))).as_tuple()
    assert isinstance(exponent, int)
    digits = list(digit_tuple)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    text_digits = "".join(str(d) for d in digits)
    point = len(digits) + exponent  # position of the decimal point in the digit string
    decimal_exponent = point - 1
    prefix = "-" if sign else ""
    if decimal_exponent < -4 or decimal_exponent >= 6:
        mantissa = text_digits[0]
        if len(text_digits) > 1:
            mantissa += "." + text_digits[1:]
        exp_sign = "-" if decimal_exponent < 0 else "+"
        return f"{prefix}{mantissa}e{exp_sign}{abs(decimal_exponent):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text_digits}"
    if point >= len(text_digits):
        return f"{prefix}{text_digits}{'0' * (point - len(text_digits))}"
    return f"{prefix}{text_digits[:point]}.{text_digits[point:]}"


def go_scalar_string(value: Any, path: str) -> str:
    """Sprig `toString` of a scalar as Helm sees it (numbers are float64)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_go_float(float(value))
    if isinstance(value, str):
        return value
    refuse(path, f"cannot turn {type(value).__name__} into a string the way Helm does")


def printed_number(value: Any, path: str) -> int | float:
    """A number printed by `{{ . }}` and read back by YAML (e.g. replicas, ports)."""
    if not is_number(value):
        refuse(path, f"expected a number, got {value!r}")
    text = format_go_float(float(value))
    if "e" in text or "Inf" in text or "NaN" in text:
        refuse(path, f"{value!r} prints in exponent form in Go templates")
    return int(text) if "." not in text else float(text)


def to_plain(value: Any) -> Any:
    """Deep-copy ruamel round-trip nodes into plain dict/list/str/int/float/bool/None."""
    if isinstance(value, Mapping):
        return {
            str(k) if not isinstance(k, (int, float, bool)) else k: to_plain(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if value is None:
        return None
    return value
