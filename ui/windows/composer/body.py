"""The message body: rich text (bold, italic, lists, links) or plain text, and the signature.

Rich text is sent as HTML with a plain alternative written here from the document's blocks
(Qt's toPlainText drops list bullets). Files dropped on the text become attachments rather than
being pasted in as links (sig_files_dropped).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Signal
from PySide6.QtGui import QFont, QTextCharFormat, QTextCursor, QTextListFormat
from PySide6.QtWidgets import QTextEdit, QWidget

from kittiwake.client.accounts.model import Identity
from kittiwake.client.mime.flowed_out import SIGNATURE_SEPARATOR


def local_files(mime: QMimeData) -> list[str]:
    """The local file paths of a drag or paste ([] when it carries anything else)."""
    if not mime.hasUrls():
        return []
    urls = mime.urls()
    if not urls or not all(u.isLocalFile() for u in urls):
        return []
    return [u.toLocalFile() for u in urls]


def signature_block(identity: Identity) -> str:
    """The signature as it stands under the separator ("" when the identity has none)."""
    text = identity.signature.replace("\r\n", "\n").strip("\n")
    first, _, rest = text.partition("\n")
    if first.rstrip() == "--":
        text = rest.strip("\n")
    return text


class BodyEdit(QTextEdit):
    sig_files_dropped = Signal(list)  # list[str]: local paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rich = True

    def set_rich(self, rich: bool) -> None:
        if rich == self.rich:
            return
        if not rich:
            self.setPlainText(self.plain_text())  # formatting goes; the words stay
        self.rich = rich
        self.setAcceptRichText(rich)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return bool(local_files(source)) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.sig_files_dropped.emit(files)
            return
        if self.rich:
            super().insertFromMimeData(source)
        else:
            self.insertPlainText(source.text())

    # --- what the draft gets -------------------------------------------------------------

    def plain_text(self) -> str:
        """The text, with "* " or "1. " before list items as a reader of plain text expects."""
        lines: list[str] = []
        block = self.document().begin()
        while block.isValid():
            text = block.text().replace("\u2028", "\n")
            items = block.textList()
            if items is not None:
                style = items.format().style()
                numbered = style in (
                    QTextListFormat.Style.ListDecimal,
                    QTextListFormat.Style.ListLowerAlpha,
                    QTextListFormat.Style.ListUpperAlpha,
                )
                marker = f"{items.itemNumber(block) + 1}. " if numbered else "* "
                text = "  " * (items.format().indent() - 1) + marker + text
            lines.append(text)
            block = block.next()
        return "\n".join(lines)

    def html(self) -> str | None:
        """HTML only when there is formatting to carry (like Thunderbird's "plain text when
        possible"): an unformatted message goes as plain text alone."""
        return self.toHtml() if self.rich and self.has_formatting() else None

    def has_formatting(self) -> bool:
        default = self.document().defaultFont()
        block = self.document().begin()
        while block.isValid():
            if block.textList() is not None or block.blockFormat().indent():
                return True
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if (
                    fmt.isAnchor()
                    or fmt.fontWeight() > QFont.Weight.Normal.value
                    or fmt.fontItalic()
                    or fmt.fontUnderline()
                    or (
                        fmt.hasProperty(QTextCharFormat.Property.FontFamilies)
                        and fmt.fontFamilies() not in (None, [], default.families())
                    )
                ):
                    return True
                it += 1
            block = block.next()
        return False

    # --- formatting ----------------------------------------------------------------------

    def toggle_bold(self, on: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if on else QFont.Weight.Normal)
        self.mergeCurrentCharFormat(fmt)

    def toggle_italic(self, on: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(on)
        self.mergeCurrentCharFormat(fmt)

    def make_list(self, numbered: bool) -> None:
        style = QTextListFormat.Style.ListDecimal if numbered else QTextListFormat.Style.ListDisc
        self.textCursor().createList(style)

    def insert_link(self, url: str) -> None:
        cursor = self.textCursor()
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(url)
        fmt.setFontUnderline(True)
        fmt.setForeground(self.palette().link())
        if not cursor.hasSelection():
            cursor.insertText(url, fmt)
        else:
            cursor.mergeCharFormat(fmt)
        cursor.insertText(" ", QTextCharFormat())  # typing after the link is not linked

    # --- signature -----------------------------------------------------------------------

    def swap_signature(self, old: Identity, new: Identity) -> bool:
        """Replace `old`'s signature under the last "-- " line by `new`'s; False when the
        user changed the signature text (theirs to keep) and nothing was swapped."""
        doc = self.document()
        block = doc.lastBlock()
        while block.isValid() and block.text() != SIGNATURE_SEPARATOR:
            block = block.previous()
        cursor = QTextCursor(doc)
        wanted = signature_block(new)
        if block.isValid():
            cursor.setPosition(block.position())
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
            below = cursor.selectedText().replace("\u2029", "\n").split("\n", 1)
            current = below[1] if len(below) > 1 else ""
            if current.strip() != signature_block(old).strip():
                return False
            cursor.beginEditBlock()
            cursor.removeSelectedText()
            if wanted:
                cursor.insertText(f"{SIGNATURE_SEPARATOR}\n{wanted}\n", QTextCharFormat())
            else:
                cursor.deletePreviousChar()  # the separator's empty line
            cursor.endEditBlock()
            return True
        if wanted:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(f"\n\n{SIGNATURE_SEPARATOR}\n{wanted}\n", QTextCharFormat())
        return True
