"""Who may call the Prefect API of `cchc up`: the UI's own origin, and callers that know the
auth string."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

AUTH_FILE = "api-auth-string"  # in the stack's Prefect home, when the environment names none
CORS_NAMES = ("PREFECT_SERVER_CORS_ALLOWED_ORIGINS", "PREFECT_SERVER_API_CORS_ALLOWED_ORIGINS")


EMPTY_AUTH = (
    "PREFECT_SERVER_API_AUTH_STRING is empty: the server would refuse every client; "
    "unset it (cchc up then makes one) or give it 'user:password'"
)


def ui_origins(host: str, port: int) -> list[str]:
    """Where a browser loads the UI from: the server's address (and `localhost` too when that
    is 127.0.0.1, as people type it). The UI calls the API at PREFECT_API_URL."""
    origins = [f"http://{host}:{port}"]
    if host == "127.0.0.1":
        origins.append(f"http://localhost:{port}")
    return origins


def auth_string(home: Path, given: str | None) -> str:
    """What the server asks every caller for: `given` (PREFECT_SERVER_API_AUTH_STRING) when
    set, else one made at the first start and kept in `home` (readable by its owner only) —
    never an API open to every page a browser on this machine visits."""
    if given == "":
        raise ValueError(EMPTY_AUTH)
    if given:
        return given
    kept = home / AUTH_FILE
    try:
        return kept.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    home.mkdir(parents=True, exist_ok=True)
    made = f"cchc:{secrets.token_urlsafe(24)}"
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(made + "\n")
    return made


def guard(env: dict[str, str], *, host: str, port: int, home: Path) -> None:
    """Set the server's and its clients' access settings in `env` (the stack's processes).

    A browser is granted cross-origin calls from the UI's own pages only, not from any site
    the user visits (Prefect's default is *); methods and headers stay Prefect's, as they
    apply to a granted origin only. A value of the user's wins, under either of its names.
    The server asks every caller for the auth string; the stack's own processes answer.
    """
    if not set(CORS_NAMES) & env.keys():
        env[CORS_NAMES[0]] = ",".join(ui_origins(host, port))
    string = auth_string(home, env.get("PREFECT_SERVER_API_AUTH_STRING"))
    env["PREFECT_SERVER_API_AUTH_STRING"] = env["PREFECT_API_AUTH_STRING"] = string
