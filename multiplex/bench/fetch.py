"""Public data files fetched once from a pinned source, checked by sha256, and cached.

A source is a base URL (the files are fetched from it once, then read from the user's cache) or a
local folder holding the same files; either way every file must have the sha256 it is known by.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from multiplex.errors import DataError
from multiplex.resources import cache_dir


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetched(source: str, name: str, sha256: str | None, setting: str) -> bytes:
    """The bytes of `name` under `source`, checked against `sha256` (None: the caller checks what
    they hold). `setting` names the variable that overrides the source, for the message when there
    is no network."""
    if not is_url(source):
        path = Path(source.removeprefix("file://")) / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror}") from None
        return _checked(data, sha256, str(path))
    cached = cache_dir() / "data" / hashlib.sha256(source.encode()).hexdigest()[:12] / name
    if cached.is_file():
        data = cached.read_bytes()
        if sha256 is None or hashlib.sha256(data).hexdigest() == sha256:
            return data
    import httpx

    url = f"{source.rstrip('/')}/{name}"
    try:
        response = httpx.get(url, timeout=60, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise DataError(
            f"could not fetch {url} ({type(exc).__name__}: {exc}); without network, download the files elsewhere "
            f"and set {setting} to the folder that holds them"
        ) from None
    data = _checked(response.content, sha256, url)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(cached.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(cached)
    return data


def _checked(data: bytes, sha256: str | None, where: str) -> bytes:
    if sha256 is None:
        return data
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DataError(
            f"{where} is not the file this multiplex knows: sha256 {digest[:12]}..., expected {sha256[:12]}..."
        )
    return data
