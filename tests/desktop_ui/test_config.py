"""Which server the app uses: --server, then FLLC_SERVER_URL, then the remembered one, else ask."""

from __future__ import annotations

from fllc_desktop.qt.config import DesktopConfig, config_path, normalise_url, resolve_server_url


def test_the_command_line_wins_then_the_environment_then_the_remembered_url():
    remembered = DesktopConfig(server_url="http://remembered:8000")
    env = {"FLLC_SERVER_URL": "http://from-env:8000/"}
    assert resolve_server_url("http://cli:1", env, remembered) == "http://cli:1"
    assert resolve_server_url(None, env, remembered) == "http://from-env:8000"
    assert resolve_server_url(None, {}, remembered) == "http://remembered:8000"
    assert resolve_server_url(None, {}, DesktopConfig()) is None  # first run: ask


def test_a_bare_host_gets_a_scheme():
    assert normalise_url(" warehouse.local:8000/ ") == "http://warehouse.local:8000"


def test_the_chosen_url_is_remembered_in_the_config_folder(config_dir):
    path = config_path()
    assert path.parent == config_dir
    DesktopConfig(server_url="http://127.0.0.1:8000").save(path)
    assert DesktopConfig.load(path).server_url == "http://127.0.0.1:8000"


def test_a_broken_config_file_means_ask_again(config_dir):
    config_dir.mkdir(parents=True)
    config_path().write_text("{not json", encoding="utf-8")
    assert DesktopConfig.load(config_path()).server_url is None


def test_the_no_keyring_notice_is_said_once_on_this_machine_and_remembered(qtbot, config_dir):
    from fllc_desktop.app import KeyringNotices

    said: list[str] = []
    first_start = KeyringNotices()
    first_start.sig_say.connect(said.append)
    first_start.sig_memory_only.emit("no keyring")
    first_start.sig_memory_only.emit("no keyring")
    assert said == ["no keyring"]
    next_start = KeyringNotices()  # the app started again on the same machine
    next_start.sig_say.connect(said.append)
    next_start.sig_memory_only.emit("no keyring")
    assert said == ["no keyring"]


def test_the_device_setting_for_receipt_labels_is_kept_with_the_rest(config_dir):
    path = config_path()
    DesktopConfig(server_url="http://s:1", touch_layout=True, receive_label_printer="Dock 1").save(path)
    loaded = DesktopConfig.load(path)
    assert (loaded.server_url, loaded.touch_layout, loaded.receive_label_printer) == (
        "http://s:1",
        True,
        "Dock 1",
    )
    path.write_text('{"receive_label_printer": "  "}', encoding="utf-8")
    assert DesktopConfig.load(path).receive_label_printer is None  # blank: no labels on receipt
