"""Adding and removing ``[keys.NAME]`` tables in ``HUB_CONFIG``, keeping the rest.

The file is edited as text, never re-serialised: comments, order and the
other tables stay byte for byte. Every edit is checked by parsing the result
and comparing it with the intended change; a file whose shape makes the edit
unsafe (a ``keys`` inline table, dotted keys) is left alone with an error.
The new text replaces the old atomically (a temporary file, then rename).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.security.keys import ApiKey

_HEADER = re.compile(r"^\s*\[")


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def key_table(key: ApiKey) -> str:
    lines = [f"[keys.{key.name}]", f"role = {json.dumps(key.role.value)}"]
    if key.region is not None:
        lines.append(f"region = {json.dumps(key.region)}")
    lines.append(f"sha256 = {json.dumps(key.sha256)}")
    created = key.created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    lines.append(f"created = {json.dumps(created)}")
    return "\n".join(lines) + "\n"


def with_key(text: str, key: ApiKey, path: Path) -> str:
    """``text`` with the key's table appended; refuses an existing name."""
    before = _parse(text, path)
    keys = before.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError(f"{path}: `keys` is not a table; fix it by hand first")
    if key.name in keys:
        raise ConfigError(f"a key called {key.name!r} exists; remove it first (hub keys remove)")
    sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    after_text = text + sep + key_table(key)
    after = _parse(after_text, path)
    expected = dict(before)
    expected["keys"] = {**keys, key.name: _parse(key_table(key), path)["keys"][key.name]}
    if after != expected:
        raise ConfigError(f"{path}: cannot add a key safely to this file; add it by hand")
    return after_text


def without_key(text: str, name: str, path: Path) -> str:
    """``text`` without the ``[keys.NAME]`` table (its header up to the next table)."""
    before = _parse(text, path)
    keys = before.get("keys", {})
    if not isinstance(keys, dict) or name not in keys:
        raise ConfigError(f"no key called {name!r} in {path}")
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*keys\s*\.\s*(?:{re.escape(name)}|\"{re.escape(name)}\")\s*\]")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) != 1:
        raise ConfigError(f"{path}: cannot find [keys.{name}] as a table; remove it by hand")
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    after_text = "".join(lines[:start] + lines[end:])
    after = _parse(after_text, path)
    expected = dict(before)
    rest = {k: v for k, v in keys.items() if k != name}
    if rest or "keys" in after:
        expected["keys"] = rest
    else:
        expected.pop("keys")
    if after != expected:
        raise ConfigError(f"{path}: cannot remove [keys.{name}] safely; remove it by hand")
    return after_text


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``; readers see the old file or the new one."""
    directory = path.parent if str(path.parent) else Path(".")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from exc
