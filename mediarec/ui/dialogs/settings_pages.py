"""The Settings dialog's pages (layout only): folders, analysis, recommendation, privacy, playlists."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...settings import Settings
from .export_dialog import FORMATS

DEVICES = (("auto", "Automatic (GPU when there is one)"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))
SPEECH_MODELS = (("tiny.en", "tiny.en — English, fast (bundled)"), ("base", "base — many languages, slower"))
WEIGHTS = (("audio", "Sounds alike"), ("visual", "Looks alike"), ("text", "Talks alike"), ("mood", "Feels alike"))


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("settingsNote")
    return label


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    return row


def _combo(choices, current: str, editable: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(editable)
    for key, label in choices:
        combo.addItem(label, key)
    i = combo.findData(current)
    if i >= 0:
        combo.setCurrentIndex(i)
    else:  # a value not in the list (a model folder): shown as it is
        combo.addItem(current, current)
        combo.setCurrentIndex(combo.count() - 1)
    return combo


class FoldersPage(QWidget):
    def __init__(self):
        super().__init__()
        self.folders = QListWidget()
        self.add_button, self.remove_button = QPushButton("Add folder…"), QPushButton("Remove")
        self.remove_button.setEnabled(False)
        self.folders.currentRowChanged.connect(lambda r: self.remove_button.setEnabled(r >= 0))
        layout = QVBoxLayout(self)
        layout.addWidget(_note("The folders mediarec scans for music and videos. Removing one hides its files; "
                               "their play history is kept."))
        layout.addWidget(self.folders, 1)
        layout.addLayout(_buttons(self.add_button, self.remove_button))

    def set_roots(self, roots: list[dict]) -> None:
        self.folders.clear()
        for r in roots:
            files = r.get("files")
            state = "" if r.get("available", 1) else "  (not reachable)"
            self.folders.addItem(f"{r['path']}{f'  — {files} files' if files is not None else ''}{state}")
            self.folders.item(self.folders.count() - 1).setData(Qt.ItemDataRole.UserRole, r["path"])
        if not roots:
            self.folders.addItem("No folders yet: add your music and video folders.")
            self.folders.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def current_path(self) -> str | None:
        item = self.folders.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None


def _mark_missing_models(combo: QComboBox, models_dir) -> None:
    """A speech model that is not installed stays listed, disabled, with the reason (and how to get it)."""
    from ...extract.models.whisper import model_problem

    for i in range(combo.count()):
        problem = model_problem(combo.itemData(i), models_dir) if models_dir is not None else None
        if problem and i != combo.currentIndex():
            item = combo.model().item(i)
            item.setEnabled(False)
            item.setText(f"{item.text()} — not installed")
            item.setToolTip(problem)


class AnalysisPage(QWidget):
    def __init__(self, s: Settings, models_dir=None):
        super().__init__()
        self.speech = _combo(SPEECH_MODELS, s.speech.model)
        _mark_missing_models(self.speech, models_dir)
        self.device = _combo(DEVICES, s.analyze.device)
        self.workers = QSpinBox()
        self.workers.setRange(0, 256)
        self.workers.setSpecialValueText("One per CPU core")
        self.workers.setValue(s.analyze.workers)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(_note("How files are analysed. Changes apply to the next analysis."))
        form.addRow("Speech model:", self.speech)
        form.addRow("Run models on:", self.device)
        form.addRow("Worker processes:", self.workers)

    def apply(self, s: Settings) -> None:
        s.speech.model = self.speech.currentData()
        s.analyze.device = self.device.currentData()
        s.analyze.workers = self.workers.value()


class RecommendPage(QWidget):
    def __init__(self, s: Settings):
        super().__init__()
        r = s.recommend
        self.weights = {}
        weights = QGroupBox("How much each kind of likeness counts in “All”")
        wform = QFormLayout(weights)
        wform.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for key, label in WEIGHTS:
            spin = QDoubleSpinBox()
            spin.setRange(0.0, 10.0)
            spin.setSingleStep(0.05)
            spin.setValue(getattr(r.weights, key))
            self.weights[key] = spin
            wform.addRow(f"{label}:", spin)
        self.exploration = QSpinBox()
        self.exploration.setRange(0, 100)
        self.exploration.setSuffix(" % of picks")
        self.exploration.setValue(round(r.exploration * 100))
        self.no_repeat = QSpinBox()
        self.no_repeat.setRange(0, 10000)
        self.no_repeat.setSuffix(" picks")
        self.no_repeat.setValue(r.no_repeat_window)
        self.spacing = QSpinBox()
        self.spacing.setRange(0, 50)
        self.spacing.setSuffix(" picks")
        self.spacing.setValue(r.artist_spacing)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Explore new things:", self.exploration)
        form.addRow("Don't repeat within:", self.no_repeat)
        form.addRow("Same artist again after:", self.spacing)
        self.blocked = QListWidget()
        self.blocked.setMaximumHeight(110)
        self.unblock_button = QPushButton("Recommend again")
        self.unblock_button.setEnabled(False)
        self.blocked.currentRowChanged.connect(lambda row: self.unblock_button.setEnabled(row >= 0))
        block = QGroupBox("Never recommend")
        bl = QVBoxLayout(block)
        bl.addWidget(self.blocked)
        bl.addLayout(_buttons(self.unblock_button))
        self.experiment = QLabel("No experiment is running.")  # (shown here, never in the queue)
        self.experiment.setWordWrap(True)
        experiment = QGroupBox("Comparing two ways of choosing Up Next")
        QVBoxLayout(experiment).addWidget(self.experiment)
        layout = QVBoxLayout(self)
        layout.addWidget(weights)
        layout.addLayout(form)
        layout.addWidget(block, 1)
        layout.addWidget(experiment)

    def set_experiment(self, doc: dict | None) -> None:
        """The running A/B experiment (recommend/ab.py status), or none."""
        if not doc:
            self.experiment.setText("No experiment is running ('mediarec ab start A B' starts one).")
            return
        verdict = (f"{doc['leader']} does better (p = {doc['p_value']:.3g})." if doc["decided"]
                   else f"Undecided so far (p = {doc['p_value']:.3g}).")
        self.experiment.setText(f"{doc['a']} (A) against {doc['b']} (B): {doc['picks']} picks heard, "
                                f"{doc['wins']} points for A, {doc['losses']} for B, {doc['ties']} ties. {verdict}")

    def set_blocklist(self, rules: list[dict] | None, missing: str = "") -> None:
        self.blocked.clear()
        if rules is None:
            self.blocked.addItem(missing)
        elif not rules:
            self.blocked.addItem("Nothing is blocked. Right-click an item → Never recommend.")
        for rule in rules or []:
            self.blocked.addItem(f"{rule['kind'].capitalize()}: {rule['label']}")
            self.blocked.item(self.blocked.count() - 1).setData(Qt.ItemDataRole.UserRole, rule["id"])
        if not rules:
            self.blocked.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        self.unblock_button.setEnabled(False)

    def current_rule(self) -> int | None:
        item = self.blocked.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def apply(self, s: Settings) -> None:
        for key, spin in self.weights.items():
            setattr(s.recommend.weights, key, round(spin.value(), 4))
        s.recommend.exploration = self.exploration.value() / 100
        s.recommend.no_repeat_window = self.no_repeat.value()
        s.recommend.artist_spacing = self.spacing.value()


class PrivacyPage(QWidget):
    def __init__(self, places: list[tuple[str, str]], export_available: bool):
        super().__init__()
        self.clear_button = QPushButton("Clear listening history…")
        self.export_button = QPushButton("Export my data as JSON…")
        self.export_button.setEnabled(export_available)
        if not export_available:
            self.export_button.setToolTip("Needs a newer mediarec (mediarec/privacy.py); not in this build")
        where = QFormLayout()
        for label, path in places:
            value = QLabel(path)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            where.addRow(f"{label}:", value)
        box = QGroupBox("Where your data lives (nothing leaves this computer)")
        box.setLayout(where)
        self.status = _note("")
        layout = QVBoxLayout(self)
        layout.addWidget(_note("Your plays, skips and likes are kept only on this computer. Clearing them keeps "
                               "your files, playlists, queue and blocklist."))
        layout.addLayout(_buttons(self.clear_button, self.export_button))
        layout.addWidget(self.status)
        layout.addWidget(box)
        layout.addStretch(1)


class PlaylistsPage(QWidget):
    def __init__(self, s: Settings):
        super().__init__()
        self.format = _combo(FORMATS, s.playlists.format)
        self.relative = QCheckBox("Write paths relative to the playlist's folder")
        self.relative.setChecked(s.playlists.relative)
        form = QFormLayout(self)
        form.addRow(_note("What the Export dialog suggests."))
        form.addRow("Default format:", self.format)
        form.addRow("", self.relative)

    def apply(self, s: Settings) -> None:
        s.playlists.format = self.format.currentData()
        s.playlists.relative = self.relative.isChecked()
