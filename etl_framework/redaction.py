"""Keeping secrets out of what the framework prints and records.

A job argument, Spark setting or connection option is secret when its name contains one of
``SECRET_NAMES`` (case-insensitive; a profile's ``secret_names`` adds more). Its value is replaced
by ``***`` in the run history and in ``etl run --dry-run=masked``; ``redact`` removes credentials
from any message that may carry a URL or connection options (``password=...``, ``user:pass@``).

    >>> redact("cannot connect to jdbc:postgresql://db/shop?user=etl&password=s3cr3t")
    'cannot connect to jdbc:postgresql://db/shop?user=etl&password=***'
    >>> mask_argv(["--day", "2026-11-01", "--db_password", "s3cr3t"])
    ['--day', '2026-11-01', '--db_password', '***']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

SECRET_NAMES = ("password", "passwd", "pwd", "secret", "token", "key", "credential")
MASK = "***"
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # the words of snake, kebab, dotted and camelCase names

# key=value in URLs (?a=b&c=d, ;a=b), connection strings and Spark settings.
_ASSIGNMENT = re.compile(r"(?P<key>[\w.-]+)(?P<sep>\s*=\s*)(?P<value>'[^']*'|\"[^\"]*\"|[^\s&;,'\")}\]]+)")
# 'key': 'value' as in the repr of an options dict.
_QUOTED_ITEM = re.compile(r"(?P<key>(?P<q>['\"])[\w.-]+(?P=q)\s*:\s*)(?P<value>'[^']*'|\"[^\"]*\")")
# Credentials in a URL's authority (//user:pass@host) and Oracle's thin form (thin:user/pass@host).
_USERINFO = re.compile(r"(?P<head>//[^/:@\s'\"]+:|:thin:[^/:@\s'\"]+/)[^@\s'\"]+@")


def is_secret(name: str, names: Iterable[str] = SECRET_NAMES) -> bool:
    """True when ``name`` (an argument, setting or option name) looks like it holds a secret: it
    contains one of ``names``, or for a name of four letters or fewer (``key``, ``pwd``) has it as a
    word of its own (``api_key``, ``accessKey``, but not ``partitionKeys`` or ``monkey``).

    >>> [is_secret(n) for n in ("db_password", "apiKey", "fs.s3a.secret.key", "mergeKeys", "day")]
    [True, True, True, False, False]
    """
    words = set(_WORD.findall(name))
    lowered = {w.lower() for w in words} | {name.lower()}
    return any(part.lower() in lowered if len(part) <= 4 else part.lower() in name.lower() for part in names)


def redact(text: str, names: Iterable[str] = SECRET_NAMES, values: Iterable[str] = ()) -> str:
    """``text`` without credentials: the values of secret ``key=value`` and ``'key': 'value'`` items,
    URL passwords, and each of ``values`` (the run's secret arguments; 4 characters or more, so that
    a short value does not garble the text)."""
    names = tuple(names)
    for value in sorted({v for v in values if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m['head']}{MASK}@", text)
    text = _QUOTED_ITEM.sub(lambda m: f"{m['key']}'{MASK}'" if is_secret(m["key"], names) else m.group(0), text)
    return _ASSIGNMENT.sub(
        lambda m: f"{m['key']}{m['sep']}{MASK}" if is_secret(m["key"], names) else m.group(0),
        text,
    )


def _secret_items(argv: Sequence[str], names: tuple[str, ...]) -> dict[int, str]:
    """Index of each item of ``argv`` that holds a secret value -> what stays of it (``--name=`` or "")."""
    out: dict[int, str] = {}
    for i, item in enumerate(argv):
        flag, eq, _ = item.partition("=")
        if not flag.startswith("-") or not is_secret(flag.lstrip("-"), names):
            continue
        if eq:
            out[i] = flag + "="
        elif i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            out[i + 1] = ""
    return out


def secret_values(argv: Sequence[str], names: Iterable[str] = SECRET_NAMES) -> list[str]:
    """The values of ``argv``'s secret ``--name value`` / ``--name=value`` arguments."""
    return [argv[i][len(kept) :] for i, kept in _secret_items(argv, tuple(names)).items()]


def mask_argv(argv: Sequence[str], names: Iterable[str] = SECRET_NAMES) -> list[str]:
    """``argv`` with the values of secret arguments (and credentials in any item) replaced by ``***``."""
    names = tuple(names)
    secret = _secret_items(argv, names)
    return [secret[i] + MASK if i in secret else redact(item, names) for i, item in enumerate(argv)]
