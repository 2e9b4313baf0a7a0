"""Two-step sign-in from the desktop against the real server: the enrolment dialog (QR code, first
code, recovery codes shown once) for a role that requires it, the code prompt at sign-in, a recovery
code instead, and the admin's reset on the Users screen. Screenshots of each dialog."""

from __future__ import annotations

import time
import uuid

import pyotp

from .conftest import api_client
from .test_admin_screens import click, users_screen, visible_button
from .test_screenshots import save

LOAD_MS = 15_000
PASSWORD = "mfa-admin-pass-1"


def _sign_in(qtbot, app, username: str) -> None:
    form = app.window.sign_in_page.form
    form.username.clear()
    form.password.clear()
    qtbot.keyClicks(form.username, username)
    qtbot.keyClicks(form.password, PASSWORD)
    click(qtbot, form.submit)


def _sign_out(qtbot, app) -> None:
    app.window.on_shell_sig_sign_out_requested()
    qtbot.waitUntil(lambda: app.window.shell is None, timeout=LOAD_MS)


def test_enrol_sign_in_with_a_code_then_a_recovery_code_then_the_admin_resets_it(qtbot, make_app, seeded):
    name = f"mfa{uuid.uuid4().hex[:6]}"
    seeded.server.create_user(name, "admin", PASSWORD)  # admins require MFA by default
    app = make_app()

    # 1. signed in with the password alone; the role requires MFA: the enrolment dialog opens
    _sign_in(qtbot, app, name)
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: app.window.mfa_enrol_dialog is not None, timeout=LOAD_MS)
    enrol = app.window.mfa_enrol_dialog
    qtbot.waitUntil(enrol.confirm.isEnabled, timeout=LOAD_MS)
    assert not enrol.qr.pixmap().isNull()
    save(enrol, "mfa_enrol_qr")
    secret = enrol.secret.text().removeprefix("Or type this key: ").replace(" ", "")
    totp = pyotp.TOTP(secret)
    # the dialogs are not the active window offscreen: typed text is set, buttons clicked
    enrol.code.setText(totp.at(time.time() - 30))
    enrol.code.returnPressed.emit()
    qtbot.waitUntil(lambda: enrol.pages.currentIndex() == 1 or enrol.error.isVisible(), timeout=LOAD_MS)
    assert enrol.pages.currentIndex() == 1, enrol.error.text()
    codes = enrol.codes.toPlainText().split()
    assert len(codes) == 10
    save(enrol, "mfa_enrol_recovery_codes")
    visible_button("mfa_codes_saved").click()
    _sign_out(qtbot, app)

    # 2. the next sign-in asks for the code
    _sign_in(qtbot, app, name)
    qtbot.waitUntil(
        lambda: app.window.mfa_code_dialog is not None and app.window.mfa_code_dialog.isVisible(),
        timeout=LOAD_MS,
    )
    prompt = app.window.mfa_code_dialog
    prompt.code.setText("000000")
    prompt.submit.click()
    qtbot.waitUntil(prompt.error.isVisible, timeout=LOAD_MS)
    save(prompt, "mfa_code_prompt_wrong_code")
    prompt.code.clear()
    prompt.code.setText(totp.at(time.time()))
    prompt.submit.click()
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)
    assert app.window.mfa_enrol_dialog is enrol  # enrolled: no new enrolment prompt
    _sign_out(qtbot, app)

    # 3. a recovery code instead of the app
    _sign_in(qtbot, app, name)
    qtbot.waitUntil(
        lambda: app.window.mfa_code_dialog is not prompt and app.window.mfa_code_dialog.isVisible(),
        timeout=LOAD_MS,
    )
    recovery = app.window.mfa_code_dialog
    recovery.use_recovery.click()
    recovery.code.setText(codes[0])
    save(recovery, "mfa_recovery_code_entry")
    recovery.submit.click()
    qtbot.waitUntil(lambda: app.window.shell is not None, timeout=LOAD_MS)

    # 4. an admin (this one) resets another admin's... here: their own MFA on the Users screen
    screen = users_screen(qtbot, app)
    qtbot.waitUntil(lambda: screen.select_user(name), timeout=LOAD_MS)
    click(qtbot, screen.buttons["users_reset_mfa"])
    qtbot.waitUntil(lambda: visible_button("dialog_confirm_reset_mfa_yes") is not None, timeout=LOAD_MS)
    save(visible_button("dialog_confirm_reset_mfa_yes").window(), "mfa_admin_reset_confirm")
    visible_button("dialog_confirm_reset_mfa_yes").click()
    client = api_client(seeded.url, "admin")

    def password_alone_works() -> bool:
        try:
            client.auth.login(name, PASSWORD)
        except Exception:
            return False
        return True

    qtbot.waitUntil(password_alone_works, timeout=LOAD_MS)
    client.close()
