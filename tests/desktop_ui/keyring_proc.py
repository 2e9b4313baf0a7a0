"""One step of the real-keyring test, in a process of its own (run under a D-Bus session with
gnome-keyring's Secret Service): ``keyring_proc.py STEP SERVER USERNAME [PASSWORD]``. Prints one
JSON line. The client is built the way the app builds it (``ApiClient.for_server``, the keyring
backend chosen by ``keyring`` itself)."""

from __future__ import annotations

import json
import sys

import keyring

from fllc_desktop.api import ApiClient


def main(step: str, server: str, username: str, password: str = "") -> dict[str, object]:
    notices: list[str] = []
    client = ApiClient.for_server(server, on_memory_only=notices.append)
    vault = client.tokens.vault
    answer: dict[str, object] = {"step": step, "backend": type(keyring.get_keyring()).__module__}
    try:
        if step == "login":
            client.auth.login(username, password)
        elif step == "resume":
            answer["resumed"] = client.auth.resume(username) is not None
            answer["me"] = client.auth.me().username
        elif step == "sign-out":
            answer["resumed"] = client.auth.resume(username) is not None
            answer["revoked"] = client.auth.logout()
        answer["stored"] = vault.load(username) is not None
        answer["remembers"] = vault.remembers_sessions
        answer["notices"] = notices
    finally:
        client.close()
    return answer


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])), flush=True)
