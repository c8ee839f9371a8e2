"""Amending one field of a signed session: the value in force, the new one and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.amendments import (
    Values,
    amendable_fields,
    display_value,
    effective_values,
    field_kind,
    field_label,
)
from microneedle_desk.i18n import tr
from microneedle_desk.ui.amend_form import AmendmentForm

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext



class AmendOwner(Protocol):
    """The session's window that records an amendment (ui/session_detail.SessionDialog)."""

    def save_amendment(self, field: str, value: object, reason: str) -> str | None: ...


class AmendDialog(AmendmentForm):
    """One field of a signed session: pick it, see the value in force, give the new one and why.

    The new value is checked by the core with the rules a live session obeys; a refused value
    stays in the editor with the message, so nothing typed is lost.
    """

    def __init__(self, ctx: UiContext, session_id: str, parent: QWidget, owner: AmendOwner) -> None:
        super().__init__(tr("Amend a signed session"), tr("why the record is corrected"), parent)
        self.ctx, self.session_id, self.owner = ctx, session_id, owner
        state = ctx.store.session_state(session_id)
        assert state is not None
        self.state = state
        self.field = QComboBox()
        self.field.setAccessibleName(tr("Field to amend"))
        for field, label in amendable_fields(ctx.protocol, state).items():
            self.field.addItem(label, field)
        self.old = QLabel()
        self.old.setAccessibleName(tr("Value in force"))
        self.old.setWordWrap(True)
        self.editor_box = QWidget()
        self.editor_layout = QVBoxLayout(self.editor_box)
        self.editor_layout.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(tr("&Field"), self.field)
        self.form.addRow(tr("Now recorded"), self.old)
        self.form.addRow(tr("&New value"), self.editor_box)
        self.add_reason()
        self.resize(620, 300)
        self.inputs: dict[str, Any] = {}  # the editor's widgets by part (kinds differ by field)
        self.field.currentIndexChanged.connect(self._field_changed)
        self._field_changed()

    # -- the editor for the chosen field -----------------------------------------------------
    def values(self) -> Values:
        return effective_values(self.state, self.ctx.store.amendments(self.session_id), self.ctx.protocol)

    def current_field(self) -> str:
        return str(self.field.currentData())

    def _clear_editor(self) -> None:
        while self.editor_layout.count():
            item = self.editor_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.inputs = {}

    def _line(self, name: str, text: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def _combo(self, name: str, items: list[tuple[str, str]], current: object) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(tr("— choose —"), "")
        for item_id, label in items:
            combo.addItem(label, item_id)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        return combo

    def _yes_no(self, name: str, current: object) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        yes, no = QRadioButton(tr("Yes")), QRadioButton(tr("No"))
        for button in (yes, no):
            button.setAccessibleName(f"{name}: {button.text()}")
            row.addWidget(button)
        row.addStretch(1)
        yes.setChecked(current is True)
        no.setChecked(current is False)
        self.inputs["yes"], self.inputs["no"] = yes, no
        return box

    def _field_changed(self, _index: int = 0) -> None:
        field = self.current_field()
        p = self.ctx.protocol
        current = self.values().get(field)
        self.old.setText(display_value(field, current, p))
        self.error.hide()
        self._clear_editor()
        kind = field_kind(field)
        def add(widget: QWidget) -> None:
            self.editor_layout.addWidget(widget)
            widget.show()  # at once, not at the layout's next pass: the person may click it straight away

        label = field_label(field, p)
        if kind == "grade":
            grades = p.scale(self.state.scale).grades
            if grades:
                self.inputs["value"] = self._combo(label, [(g, g) for g in grades], current)
            else:
                self.inputs["value"] = self._line(label, str(current or ""), tr("SALT score, whole number 0–100"))
            add(self.inputs["value"])
        elif kind.startswith("choice:"):
            group = kind.split(":", 1)[1]
            self.inputs["value"] = self._combo(label, [(c.id, c.label) for c in getattr(p, group)], current)
            add(self.inputs["value"])
        elif kind.startswith("multi:"):
            group = kind.split(":", 1)[1]
            boxes: dict[str, QCheckBox] = {}
            for c in getattr(p, group):
                box = QCheckBox(tr(c.label))
                box.setAccessibleName(f"{label}: {tr(c.label)}")
                box.setChecked(c.id in (current if isinstance(current, list) else []))
                boxes[c.id] = box
                add(box)
            self.inputs["boxes"] = boxes
        elif kind == "yesno":
            add(self._yes_no(label, current))
        elif kind == "antibiotic":
            self.inputs["value"] = self._line(label, str(current or ""), tr("product name"))
            self.inputs["none"] = QCheckBox(tr("No antibiotic cream used"))
            self.inputs["none"].setChecked(current == "")
            add(self.inputs["value"])
            add(self.inputs["none"])
        elif kind == "minoxidil":
            cur = current if isinstance(current, dict) else {}
            self.inputs["product"] = self._line(tr("Minoxidil product"), str(cur.get("product", "")),
                                                tr("product name"))
            self.inputs["form"] = self._combo(tr("Minoxidil form"), [(c.id, c.label) for c in p.minoxidil_forms],
                                              cur.get("form"))
            self.inputs["strength"] = self._combo(tr("Minoxidil strength"),
                                                  [(s.id, tr(s.label)) for s in p.minoxidil_strengths],
                                                  cur.get("strength"))
            for widget in (self.inputs["product"], self.inputs["form"], self.inputs["strength"]):
                add(widget)
        elif kind == "home_roller":
            cur = current if isinstance(current, dict) else {}
            add(self._yes_no(tr("Uses a derma roller at home"), cur.get("uses")))
            b = p.bounds["home_roller_mm"]
            mm = cur.get("mm")
            self.inputs["mm"] = self._line("Home roller needle length in mm", "" if mm is None else str(mm),
                                           f"needle length, {b.min}–{b.max} mm")
            add(self.inputs["mm"])
        else:  # text, note, number, date
            hint = {"date": "YYYY-MM-DD", "number": "a number"}.get(kind, "")
            if field == "needle_mm":
                b = p.bounds["needle_length_mm"]
                hint = f"{b.min}–{b.max} mm"
            elif field == "prp_ml":
                b = p.bounds["prp_ml"]
                hint = f"{b.min}–{b.max} mL"
            self.inputs["value"] = self._line(label, "" if current is None else str(current), hint)
            add(self.inputs["value"])

    def new_value(self) -> object:
        """The new value as the person gave it, for the core to check."""
        kind = field_kind(self.current_field())
        i = self.inputs
        if "boxes" in i:
            return [item_id for item_id, box in i["boxes"].items() if box.isChecked()]
        if kind == "yesno":
            return True if i["yes"].isChecked() else False if i["no"].isChecked() else None
        if kind == "antibiotic":
            return "" if i["none"].isChecked() else i["value"].text()
        if kind == "minoxidil":
            return {"product": i["product"].text(), "form": i["form"].currentData() or "",
                    "strength": i["strength"].currentData() or ""}
        if kind == "home_roller":
            uses = True if i["yes"].isChecked() else False if i["no"].isChecked() else None
            return {"uses": uses, "mm": i["mm"].text()}
        widget = i["value"]
        return widget.currentData() if isinstance(widget, QComboBox) else widget.text()

    def save(self) -> None:
        message = self.owner.save_amendment(self.current_field(), self.new_value(), self.reason.text())
        if message is None:
            self.accept()
            return
        self.refuse(message)  # the values typed stay as they are, to be corrected
