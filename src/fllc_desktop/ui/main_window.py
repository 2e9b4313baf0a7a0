"""The window: the sign-in page, then the shell; the status bar; sign in again when the session ends."""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QStackedWidget, QWidget

from fllc_desktop.api import CurrentUser
from fllc_desktop.api.errors import ApiError, MfaRequiredError, OfflineError, UnauthorizedError
from fllc_desktop.qt.event_stream import EventStream, StreamState
from fllc_desktop.qt.gateway import ConnectionState, Gateway
from fllc_desktop.qt.services import SessionService
from fllc_desktop.ui.dialogs.mfa_dialogs import MfaCodeDialog, MfaEnrolDialog
from fllc_desktop.ui.screens.registry import ScreenContext, ScreenRegistry
from fllc_desktop.ui.screens.sign_in import ReauthDialog, SignInForm, SignInPage
from fllc_desktop.ui.shell import Shell

OFFLINE_TEXT = (
    "The server cannot be reached. Working offline: what is shown may be out of date. "
    "Scans are saved on this tablet and sent when the connection is back; office changes "
    "(products, orders, users, settings) wait until then. Retrying automatically."
)


def sign_in_message(error: ApiError) -> str:
    if isinstance(error, UnauthorizedError):
        return "Wrong username or password, or the account is deactivated."
    if isinstance(error, OfflineError):
        return f"The server cannot be reached. Check the address and the network.\n({error.message})"
    return f"{error.title}: {error.message}"


class MainWindow(QMainWindow):
    def __init__(
        self,
        registry: ScreenRegistry,
        session: SessionService,
        gateway: Gateway,
        events: EventStream,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("FLLC Warehouse")
        self.resize(1200, 760)
        self._registry, self._session, self._gateway, self._events = registry, session, gateway, events
        self.shell: Shell | None = None
        self.reauth: ReauthDialog | None = None
        self.mfa_code_dialog: MfaCodeDialog | None = None
        self.mfa_enrol_dialog: MfaEnrolDialog | None = None
        self._keyring_notice = ""
        self.keyring_notice_shown = False
        self.root = QStackedWidget(self)
        self.root.setObjectName("root_stack")
        self.sign_in_page = SignInPage(session.server_url, self.root)
        self.root.addWidget(self.sign_in_page)
        self.setCentralWidget(self.root)
        self._build_status_bar()
        self._connect()
        self.sign_in_page.form.focus_first_empty()

    def _build_status_bar(self) -> None:
        self.status_user = QLabel("Not signed in", self)
        self.status_user.setObjectName("status_user")
        self.status_server = QLabel(self._session.server_url, self)
        self.status_server.setObjectName("status_server")
        self.status_connection = QLabel(self)
        self.status_connection.setObjectName("status_connection")
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        bar.addWidget(self.status_user)
        bar.addWidget(self.status_server, 1)
        bar.addPermanentWidget(self.status_connection)
        self._update_connection_label()

    def _connect(self) -> None:
        self.sign_in_page.form.sig_sign_in_requested.connect(self.on_sign_in_form_sig_sign_in_requested)
        self._session.sig_signed_in.connect(self.on_session_sig_signed_in)
        self._session.sig_mfa_enrolment_required.connect(self.on_session_sig_mfa_enrolment_required)
        self._gateway.sig_connection_changed.connect(self.on_gateway_sig_connection_changed)
        self._gateway.sig_session_expired.connect(self.on_gateway_sig_session_expired)
        self._gateway.sig_notice.connect(self.on_gateway_sig_notice)
        self._events.sig_state_changed.connect(lambda _state: self._update_connection_label())

    # -- signing in and out -----------------------------------------------------------------------
    def on_sign_in_form_sig_sign_in_requested(self, username: str, password: str) -> None:
        self._sign_in(self.sign_in_page.form, username, password)

    def _sign_in(self, form: SignInForm, username: str, password: str) -> None:
        def failed(error: ApiError) -> None:
            if isinstance(error, MfaRequiredError):
                self._ask_for_code(form, username, error)
            else:
                form.show_error(sign_in_message(error))

        self._session.sign_in(username, password, failed, owner=form)

    def _ask_for_code(self, form: SignInForm, username: str, challenge: MfaRequiredError) -> None:
        """The password was right: the second step, in a dialog over the sign-in form."""
        dialog = self.mfa_code_dialog = MfaCodeDialog(username, form.window())

        def failed(error: ApiError) -> None:
            if isinstance(error, UnauthorizedError) and error.code == "mfa_challenge_invalid":
                dialog.reject()
                form.show_error("The sign-in took too long or was used already: sign in again.")
            elif isinstance(error, UnauthorizedError):
                dialog.show_error("That code is not right, or it was used already.")
            else:
                dialog.show_error(sign_in_message(error))

        dialog.sig_submitted.connect(
            lambda answer: self._session.verify_mfa(username, challenge, answer, failed, owner=dialog)
        )
        dialog.rejected.connect(lambda: form.set_busy(False))
        self._session.sig_signed_in.connect(dialog.accept)
        dialog.open()

    def on_session_sig_mfa_enrolment_required(self) -> None:
        """Signed in, and the role requires two-step sign-in: set it up now (or later)."""
        dialog = self.mfa_enrol_dialog = MfaEnrolDialog(required=True, parent=self)
        self._session.mfa_enrol().then(
            dialog.show_enrolment, lambda e: dialog.show_error(f"{e.title}: {e.message}"), dialog
        )

        def failed(error: ApiError) -> None:
            dialog.show_error("That code is not right; try the one your app shows now.")

        dialog.sig_code_entered.connect(
            lambda code: self._session.mfa_confirm(code).then(dialog.show_recovery_codes, failed, dialog)
        )
        dialog.show()  # not modal: "Later" or closing it keeps working (enrolment at next sign-in)

    def on_session_sig_signed_in(self, user: CurrentUser) -> None:
        if self.reauth is not None:
            self._finish_reauth(user)
            return
        self.sign_in_page.form.set_busy(False)
        self.sign_in_page.form.password.clear()
        self._build_shell(user)
        self._events.start()

    def _build_shell(self, user: CurrentUser) -> None:
        context = ScreenContext(user=user)
        self.shell = Shell(self._registry, context, self.root)
        self.shell.sig_sign_out_requested.connect(self.on_shell_sig_sign_out_requested)
        self.root.addWidget(self.shell)
        self.root.setCurrentWidget(self.shell)
        self.status_user.setText(f"{user.full_name or user.username} · {user.role}")
        self._show_keyring_notice()
        self._update_connection_label()

    def on_shell_sig_sign_out_requested(self) -> None:
        self._events.stop()
        self._session.sign_out()
        if self.shell is not None:
            self.root.removeWidget(self.shell)
            self.shell.deleteLater()
            self.shell = None
        self.root.setCurrentWidget(self.sign_in_page)
        self.status_user.setText("Not signed in")
        self.sign_in_page.form.focus_first_empty()

    # -- the session ended while working --------------------------------------------------------
    def on_gateway_sig_session_expired(self) -> None:
        if self._session.user is None or self.reauth is not None:
            return
        parent = QApplication.activeModalWidget() or self
        self.reauth = ReauthDialog(self._session.server_url, self._session.user.username, parent)
        form = self.reauth.form
        form.sig_sign_in_requested.connect(lambda username, password: self._sign_in(form, username, password))
        self.reauth.rejected.connect(self.on_reauth_rejected)
        self.reauth.open()

    def _finish_reauth(self, user: CurrentUser) -> None:
        dialog, self.reauth = self.reauth, None
        if dialog is not None:
            dialog.accept()
            dialog.deleteLater()
        self._gateway.resend_after_sign_in()
        self._events.reconnect_now()
        self.status_user.setText(f"{user.full_name or user.username} · {user.role}")

    def on_reauth_rejected(self) -> None:
        dialog, self.reauth = self.reauth, None
        if dialog is not None:
            dialog.deleteLater()
        self.on_shell_sig_sign_out_requested()

    # -- connection and notices -------------------------------------------------------------------
    def on_gateway_sig_connection_changed(self, state: str) -> None:
        if self.shell is not None:
            if state == ConnectionState.OFFLINE.value:
                self.shell.offline_banner.show_message(OFFLINE_TEXT)
            else:
                self.shell.offline_banner.hide()
        if state == ConnectionState.ONLINE.value and self._events.state is StreamState.RECONNECTING:
            self._events.reconnect_now()
        self._update_connection_label()

    def on_gateway_sig_notice(self, title: str, message: str) -> None:
        if self.shell is not None:
            self.shell.notice_banner.show_message(f"{title}: {message}")

    def on_keyring_memory_only(self, message: str) -> None:
        """Said once: the banner is shown for this notice the first time only."""
        if not self._keyring_notice:
            self._keyring_notice = message
            self._show_keyring_notice()

    def _show_keyring_notice(self) -> None:
        if self._keyring_notice and not self.keyring_notice_shown and self.shell is not None:
            self.shell.keyring_banner.show_message(self._keyring_notice)
            self.keyring_notice_shown = True

    def connection_text(self) -> str:
        if self.shell is None and self._gateway.state is ConnectionState.ONLINE:
            return "signed out"  # nothing has been asked of the server yet
        if self._gateway.state is ConnectionState.OFFLINE:
            return ConnectionState.OFFLINE.value
        if self._events.state is StreamState.RECONNECTING:
            return ConnectionState.RECONNECTING.value
        return ConnectionState.ONLINE.value

    def _update_connection_label(self) -> None:
        text = self.connection_text()
        self.status_connection.setText(f"● {text}")
        self.status_connection.setProperty("state", text)
        self.status_connection.style().unpolish(self.status_connection)
        self.status_connection.style().polish(self.status_connection)
        self.status_connection.updateGeometry()  # "offline" is bold: a wider label

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._events.stop()
        super().closeEvent(event)
