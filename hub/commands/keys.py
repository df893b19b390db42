"""``hub keys``: API keys in ``HUB_CONFIG``, stored as the SHA-256 of their token.

``hub keys add NAME --role ROLE [--region CODE]`` prints the new token once
(the only time anyone sees it) and writes its hash; ``hub keys list``;
``hub keys remove NAME``. Every change is written to the audit log; if that
fails, the file is put back as it was. Running servers read keys at start:
restart them (or their workers) after a change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from hub.commands._common import open_pool
from hub.config import config_path, load_config
from hub.security import audit
from hub.security.keyfile import read_text, with_key, without_key, write_atomically
from hub.security.keys import (
    ApiKey,
    KeyRing,
    check_name,
    check_region,
    hash_token,
    keys_from_config,
    new_token,
    parse_role,
)


def register(sub: Any) -> None:
    p = sub.add_parser("keys", help="add, list or remove API keys (HUB_CONFIG)")
    keys = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    add = keys.add_parser("add", help="create a key; prints its token once")
    add.add_argument("name", help="a name for the key, e.g. shenyang-office")
    add.add_argument("--role", required=True, choices=["province", "city", "viewer"])
    add.add_argument("--region", help="a city key's region, e.g. 210100")
    add.set_defaults(func=run_add)
    listing = keys.add_parser("list", help="the keys (names, roles, regions; no tokens)")
    listing.set_defaults(func=run_list)
    remove = keys.add_parser("remove", help="remove a key (its token stops working)")
    remove.add_argument("name")
    remove.set_defaults(func=run_remove)


async def _audited_write(action: str, name: str, region: str | None, detail: dict[str, object],
                         new_text: str, old_text: str) -> None:
    path = config_path()
    write_atomically(path, new_text)
    try:
        async with open_pool(max_size=2) as pool:
            await audit.record(pool, actor=audit.cli_actor(), role="cli", action=action,
                               target=name, region_code=region, detail=detail)
    except BaseException:
        # Unrecorded changes are not made: put the file back.
        write_atomically(path, old_text)
        raise


async def run_add(args: argparse.Namespace) -> int:
    path = config_path()
    name = check_name(args.name)
    role = parse_role(args.role, "--role")
    region = check_region(role, args.region, "--region")
    token = new_token()
    key = ApiKey(name=name, role=role, sha256=hash_token(token), region=region,
                 created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    old = read_text(path)
    new = with_key(old, key, path)
    # The file as it would be must still load (e.g. no clash with a source token).
    _check_loads(new)
    await _audited_write("key.add", name, region, {"role": role.value}, new, old)
    print(token)
    print(f"hub: key {name!r} ({role.value}{' ' + region if region else ''}) written to {path}; "
          "the token above is shown only now. Restart the server to use it.", file=sys.stderr)
    return 0


async def run_remove(args: argparse.Namespace) -> int:
    path = config_path()
    old = read_text(path)
    new = without_key(old, args.name, path)
    await _audited_write("key.remove", args.name, None, {}, new, old)
    print(f"hub: key {args.name!r} removed from {path}; restart the server to apply it.",
          file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    keys = keys_from_config(load_config())
    if not keys:
        print("no keys (hub keys add NAME --role ROLE)")
        return 0
    print(f"{'name':24} {'role':9} {'region':7} {'created':26} sha256")
    for key in sorted(keys.values(), key=lambda k: k.name):
        print(f"{key.name:24} {key.role.value:9} {key.region or '-':7} {key.created or '-':26} "
              f"{key.sha256[:12]}…")
    return 0


def _check_loads(text: str) -> KeyRing:
    import tomllib

    from hub.config import parse_config

    return KeyRing.from_config(parse_config(tomllib.loads(text), config_path()))
