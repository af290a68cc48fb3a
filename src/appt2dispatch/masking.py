"""Keep credentials out of everything the tool prints: reports, notes and error messages.

Two kinds of rule:
- patterns recognisable anywhere in text (GitHub tokens, `sk-` keys, PEM blocks, JWTs,
  the password of a `scheme://user:password@host` URL);
- values of environment variables whose name says they are a credential (TOKEN, SECRET,
  PASSWORD, KEY) when the value looks random rather than like a reference or a flag.

Masking is idempotent: masking masked text changes nothing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

MASK = "****"

_GITHUB_TOKEN = re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{8,}")
_SK_KEY = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{8,}")
_PEM_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)",
    re.DOTALL,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")
# scheme://user:password@host: only the password goes; the user and host stay readable.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s'\"]*:)[^@/\s'\"]+(?=@)")
_SENSITIVE_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY")
# Env-style names only (FOO_API_KEY): chart field names such as `existingSecret` or a
# secretKeyRef's `key` name references, not credentials.
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# NAME=value, NAME: value, "NAME": "value" in free text (error messages, YAML, logs).
_ASSIGNMENT = re.compile(
    r"(?P<head>[\"']?(?P<name>[A-Z][A-Z0-9_]*)[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',}]+)"
)
# The env-list form of YAML: `- name: NAME` followed by `value: ...` on the next line.
_ENV_LIST_ITEM = re.compile(
    r"(?P<head>name:\s*[\"']?(?P<name>[A-Z][A-Z0-9_]*)[\"']?\s*\n\s*value:\s*[\"']?)"
    r"(?P<value>[^\s\"']+)"
)


def mask_text(text: str) -> str:
    """Mask every credential recognisable in free text (messages, YAML, report lines)."""
    text = _PEM_BLOCK.sub(
        lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----", text
    )
    text = _GITHUB_TOKEN.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _SK_KEY.sub(f"sk-{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}", text)
    text = _ENV_LIST_ITEM.sub(_mask_named_match, text)
    return _ASSIGNMENT.sub(_mask_named_match, text)


def mask_value(value: Any, name: str | None = None) -> Any:
    """`value` with credentials masked; `name` is the variable or key it belongs to.

    Mappings use each key as the name of its value, and an env entry
    (`{"name": N, "value": V}`) uses N for V.
    """
    if isinstance(value, str):
        masked = mask_text(value)
        if name is not None and is_sensitive_name(name) and looks_like_credential(masked):
            return MASK
        return masked
    if isinstance(value, Mapping):
        entry_name = value.get("name") if isinstance(value.get("name"), str) else None
        result: dict[Any, Any] = {}
        for key, item in value.items():
            hint = entry_name if key == "value" and entry_name else key
            result[key] = mask_value(item, hint if isinstance(hint, str) else name)
        return result
    if isinstance(value, list | tuple):
        return [mask_value(item, name) for item in value]
    return value


def is_sensitive_name(name: str) -> bool:
    """True for environment-variable names that say they hold a credential."""
    return bool(_ENV_NAME.match(name)) and any(word in name for word in _SENSITIVE_WORDS)


def looks_like_credential(value: str) -> bool:
    """A long random-looking string (not a flag, number, URL, path or plain word)."""
    if MASK in value or len(value) < 12 or any(char.isspace() for char in value):
        return False
    if value.isdigit() or "://" in value or value.startswith("/"):
        return False
    classes = sum(
        (
            any(char.islower() for char in value),
            any(char.isupper() for char in value),
            any(char.isdigit() for char in value),
        )
    )
    return classes >= 2 or _entropy_bits_per_char(value) >= 3.5


def _mask_named_match(match: re.Match[str]) -> str:
    name, value = match.group("name"), match.group("value")
    if is_sensitive_name(name) and looks_like_credential(value):
        return f"{match.group('head')}{MASK}"
    return match.group(0)


def _entropy_bits_per_char(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(count / total * math.log2(count / total) for count in counts.values())
