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

# Every pattern below is linear in the length of the text: matches can only start
# at a word boundary or a fixed prefix, and runs that could otherwise backtrack
# are bounded or possessive (`{n,}+`), so a megabyte-long line masks in milliseconds.
_GITHUB_TOKEN = re.compile(r"\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{8,}+")
_SK_KEY = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-]{8,}+")
_PEM_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]{1,64}+)-----.*?(?:-----END \1-----|\Z)",
    re.DOTALL,
)
_JWT = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]{4,}+\.[A-Za-z0-9_\-]*+"
)
_BEARER = re.compile(r"(?<![A-Za-z0-9])(?P<head>Bearer[ \t]++)[A-Za-z0-9._~+/=\-]{8,}+")
# Webhook URLs carry their credential in the path.
_WEBHOOK_URL = re.compile(
    r"(?P<head>https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)/"
    r"|(?:[a-z]{1,16}\.)?discord(?:app)?\.com/api/webhooks/))[A-Za-z0-9/_\-]++"
)
# scheme://user:password@host: only the password goes; the user and host stay readable.
_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.\-])(?P<head>[A-Za-z][A-Za-z0-9+.\-]{0,31}+://[^:/@\s'\"]{0,256}+:)"
    r"[^@/\s'\"]{1,4096}+(?=@)"
)
_SENSITIVE_WORDS = ("TOKEN", "SECRET", "PASS", "PWD", "KEY", "CREDENTIAL", "CREDS", "AUTH")
# A name ending in one of these holds a credential whatever its value looks like:
# a short password, a passphrase with spaces, `Bearer ...`.
_SECRET_ENDINGS = (
    "_PASSWORD",
    "_PASSWD",
    "_PASS",
    "_PWD",
    "_SECRET",
    "_CREDENTIALS",
    "_CREDENTIAL",
    "_CREDS",
    "_TOKEN",
    "_API_KEY",
    "_APIKEY",
    "_PRIVATE_KEY",
    "_SECRET_KEY",
    "_ACCESS_KEY",
    "_AUTH_HEADER",
    "_AUTHORIZATION",
    "_WEBHOOK_URL",
    "_WEBHOOK",
)
# Values that name no credential even under a credential's name.
_NOT_A_SECRET = frozenset({"", "true", "false", "yes", "no", "on", "off", "null", "~"})
# `${VAR}` (kept by Flux substitution) and a YAML block-scalar header (`|`, `>-`):
# no credential in themselves (a block's lines are masked by shape).
_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[=-][^}]*)?\}|[|>][-+0-9]?[-+0-9]?")
# Env-style names only (FOO_API_KEY): chart field names such as `existingSecret` or a
# secretKeyRef's `key` name references, not credentials.
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_VALUE = (
    r"(?P<value>\"[^\"\n]{0,4096}+\"|'[^'\n]{0,4096}+'|\$\{[^}\s]{0,256}+\}"
    r"|[^\s\"',}]++(?:[ \t]++[^\s\"',}#]++)*+)"
)
# NAME=value, NAME: value, "NAME": "value" in free text (error messages, YAML, logs).
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_])(?P<head>[\"']?(?P<name>[A-Z][A-Z0-9_]{0,127}+)[\"']?[ \t]*+[:=][ \t]*+)"
    + _VALUE
)
# The env-list form of YAML: `- name: NAME` followed by `value: ...` on the next line.
_ENV_LIST_ITEM = re.compile(
    r"(?P<head>name:[ \t]*+[\"']?(?P<name>[A-Z][A-Z0-9_]{0,127}+)[\"']?[ \t]*+\r?\n"
    r"[ \t]*+(?:-[ \t]++)?value:[ \t]*+)" + _VALUE
)


def mask_text(text: str) -> str:
    """Mask every credential recognisable in free text (messages, YAML, report lines)."""
    text = _PEM_BLOCK.sub(
        lambda m: f"-----BEGIN {m.group(1)}-----{MASK}-----END {m.group(1)}-----", text
    )
    text = _GITHUB_TOKEN.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _SK_KEY.sub(f"sk-{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group('head')}{MASK}", text)
    text = _WEBHOOK_URL.sub(lambda m: f"{m.group('head')}{MASK}", text)
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
        if name is not None and _is_credential_of(name, masked):
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
    """True for environment-variable names that say they may hold a credential."""
    return bool(_ENV_NAME.match(name)) and any(word in name for word in _SENSITIVE_WORDS)


def is_secret_name(name: str) -> bool:
    """True for names that certainly hold a credential (DB_PASSWORD, SMTP_PASS, APP_SECRET)."""
    if not _ENV_NAME.match(name):
        return False
    padded = f"_{name}"
    return any(padded.endswith(ending) for ending in _SECRET_ENDINGS)


def _is_credential_of(name: str, value: str) -> bool:
    """Whether `value`, held by the variable `name`, is to be masked."""
    if MASK in value or not is_sensitive_name(name):
        return False
    if is_secret_name(name):
        bare = value.strip().strip("\"'")
        return bare.lower() not in _NOT_A_SECRET and not _REFERENCE.fullmatch(bare)
    return looks_like_credential(value)


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
    if not is_sensitive_name(name):
        return match.group(0)
    quote = value[0] if value[:1] in ("'", '"') else ""
    if quote:
        inner, rest = value[1:-1], ""
    elif is_secret_name(name):
        inner, rest = value, ""
    else:  # only the first word: the rest of a message is not the value
        word_end = len(value.split(None, 1)[0])
        inner, rest = value[:word_end], value[word_end:]
    if _is_credential_of(name, inner):
        return f"{match.group('head')}{quote}{MASK}{quote}{rest}"
    return match.group(0)


def _entropy_bits_per_char(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(count / total * math.log2(count / total) for count in counts.values())
