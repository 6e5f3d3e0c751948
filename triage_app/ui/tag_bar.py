"""The tag bar: one coloured, checkable button per taxonomy tag, labelled with its number key.

A button shows whether the current post carries the tag; clicking it is the same action as its
key. Buttons never take the keyboard focus, so the queue keeps it and J/K keep working."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from ..core.taxonomy import Tag

COLUMNS = 4


def _text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    c = QColor(background)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return "#000000" if luminance > 150 else "#ffffff"


class TagBar(QWidget):
    """Buttons for the taxonomy; ``tagClicked(key)`` when one is pressed."""

    tagClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagBar")
        self.setAccessibleName("Tags: press a tag's key to toggle it on the selected posts")
        self.buttons: dict[str, QPushButton] = {}
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setSpacing(4)

    def set_taxonomy(self, tags: Iterable[Tag]) -> None:
        for button in self.buttons.values():
            self._grid.removeWidget(button)
            button.deleteLater()
        self.buttons.clear()
        for i, tag in enumerate(tags):
            key = f"{tag.number_key}  " if tag.number_key else ""
            button = QPushButton(f"{key}{tag.label}", self)
            button.setObjectName(f"tag_{tag.key}")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            tip = f"{tag.label} ({tag.number_key})" if tag.number_key else tag.label
            button.setToolTip(f"{tip}: {tag.description}" if tag.description else tip)
            button.setAccessibleName(f"Tag {tag.label}")
            fg = _text_colour(tag.colour)
            # Unset: a coloured edge; set: filled with the tag's colour.
            button.setStyleSheet(
                f"QPushButton {{ border: 2px solid {tag.colour}; border-left: 8px solid "
                f"{tag.colour}; border-radius: 4px; padding: 2px 8px; text-align: left; "
                f"background: palette(base); }}"
                f"QPushButton:checked {{ background: {tag.colour}; color: {fg}; "
                f"font-weight: bold; }}"
            )
            button.clicked.connect(lambda _c=False, k=tag.key: self._clicked(k))
            self._grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons[tag.key] = button

    def _clicked(self, key: str) -> None:
        # The button's own toggling is undone: the check marks follow the store, not clicks.
        self.buttons[key].setChecked(not self.buttons[key].isChecked())
        self.tagClicked.emit(key)

    def show_tags(self, tags: Iterable[str], enabled: bool = True) -> None:
        """Check the buttons of the tags the current post carries."""
        present = set(tags)
        for key, button in self.buttons.items():
            button.setChecked(key in present)
            button.setEnabled(enabled)

    def checked(self) -> list[str]:
        return [k for k, b in self.buttons.items() if b.isChecked()]
