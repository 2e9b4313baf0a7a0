"""A PDF shown inside the app (QtPdf's QPdfView); where QtPdf is missing, the system's viewer."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

try:
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_QTPDF = True
except ImportError:  # a PySide6 build without the QtPdf module
    HAVE_QTPDF = False


def open_externally(path: Path) -> bool:
    """Hand the file to the system's viewer for its type."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


class PdfViewerDialog(QDialog):
    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdf_viewer")
        self.setWindowTitle(path.name)
        self.resize(900, 1000)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.document.load(str(path))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    @property
    def pages(self) -> int:
        return int(self.document.pageCount())


def show_pdf(path: Path, parent: QWidget | None = None) -> PdfViewerDialog | None:
    """The PDF in a window of the app (returned, shown), or in the system's viewer (None)."""
    if not HAVE_QTPDF:
        open_externally(path)
        return None
    dialog = PdfViewerDialog(path, parent)
    dialog.show()
    return dialog
