"""One spelling per meaning: quantities, int-or-string ports, image references.

`0.5` and `500m` are the same CPU, `"3000"` and `3000` the same port, `nginx`
and `docker.io/library/nginx:latest` the same image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from appt2dispatch.contract import parse_image_reference

_BINARY_SUFFIXES = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL_SUFFIXES = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_QUANTITY = re.compile(
    r"^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$"
)


def normalise_quantity(value: object) -> object:
    """`0.5` == `500m`, `1Gi` == `1024Mi`: one spelling per amount (unparsable: unchanged)."""
    amount = quantity_amount(value)
    return value if amount is None else _format_quantity(amount)


def quantity_amount(value: object) -> Decimal | None:
    """The amount a Kubernetes quantity stands for (`1Gi` -> 1073741824), or None."""
    match = _QUANTITY.match(str(value).strip()) if isinstance(value, str | int | float) else None
    if match is None or isinstance(value, bool):
        return None
    number, exponent, suffix = match.groups()
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return None
    if exponent:
        return amount.scaleb(int(exponent[1:]))
    if suffix in _BINARY_SUFFIXES:
        return amount * Decimal(1024) ** _BINARY_SUFFIXES[suffix]
    if suffix:
        return amount.scaleb(_DECIMAL_SUFFIXES[suffix])
    return amount


def _format_quantity(amount: Decimal) -> str:
    if amount == 0:
        return "0"
    if amount != amount.to_integral_value():
        millis = amount * 1000
        if millis == millis.to_integral_value():
            return f"{int(millis)}m"
        return format(amount.normalize(), "f")
    whole = int(amount)
    for suffix, power in sorted(_BINARY_SUFFIXES.items(), key=lambda item: -item[1]):
        if whole % 1024**power == 0:
            return f"{whole // 1024**power}{suffix}"
    for suffix, power in sorted(_DECIMAL_SUFFIXES.items(), key=lambda item: -item[1]):
        if power > 0 and whole % 10**power == 0:
            return f"{whole // 10**power}{suffix}"
    return str(whole)


def normalise_int_or_string(value: object) -> object:
    """An IntOrString: `"3000"` and `3000` are the same port (a name never is all digits)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """`repo:tag@digest` -> (repo, tag, digest); a registry port is not a tag."""
    reference = parse_image_reference(image)
    return reference.repository, reference.tag, reference.digest


def default_pull_policy(image: str) -> str:
    """Kubernetes' default: Always for `:latest` or no tag and no digest, else IfNotPresent."""
    _, tag, digest = split_image(image)
    if tag == "latest" or (tag is None and digest is None):
        return "Always"
    return "IfNotPresent"


def normalise_image(image: object) -> object:
    """Spell an image reference the way the container runtime resolves it."""
    if not isinstance(image, str) or not image:
        return image
    repository, tag, digest = split_image(image.strip())
    first = repository.split("/", 1)[0]
    has_registry = "/" in repository and ("." in first or ":" in first or first == "localhost")
    if not has_registry:
        repository = f"docker.io/{repository}"
    if repository.startswith("docker.io/") and repository.count("/") == 1:
        repository = repository.replace("docker.io/", "docker.io/library/", 1)
    if tag is None and digest is None:
        tag = "latest"
    reference = repository + (f":{tag}" if tag else "")
    return reference + (f"@{digest}" if digest else "")


def resolve_port(port: object, named_ports: Mapping[str, int]) -> object:
    """A port number, or a port name resolved against the container's ports (kept if unknown)."""
    port = normalise_int_or_string(port)
    if isinstance(port, str):
        return named_ports.get(port, port)
    return port
