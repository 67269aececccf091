"""The lab model: the scene being edited plus what the user is looking at, as evented state.

In the spirit of napari's ``components``: a Qt-free model that emits an event for each field that
really changed (psygnal's :class:`EventedModel` compares old and new values), and views that
subscribe and derive everything they show from it. Controls write intents into the model; they
never keep the truth in a widget.

``replace_content`` is the one way a new document arrives (a scene file, a lesson, a formula, a
drawn surface): it resets everything that described the old content (hover readout, selected
run, cursor, lesson title) in one go and emits ``events.generation`` last, so that every
derived item is cleared or recomputed.
"""

from __future__ import annotations

from typing import Any, Literal

from psygnal import EventedModel
from pydantic import BaseModel, ConfigDict, Field

Theme = Literal["light", "dark"]
Language = Literal["en", "zh"]


class HoverPoint(BaseModel):
    """Where the mouse is over the map, and the loss there (for the hover readout)."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    loss: float | None = None


class Appearance(EventedModel):
    """Application-wide settings that every widget follows (one mechanism applies them)."""

    language: Language = "en"
    theme: Theme = "light"
    presenter: bool = False


class LabModel(EventedModel):
    """What one document is and what the user looks at in it.

    ``title`` and ``description`` are per-language texts of the document ({"en": ..., "zh": ...}):
    a lesson's own, until the user replaces the content with their own surface, which clears
    them; saving writes whatever the user's are.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=True)

    scene: Any = None  # the validated core.scene.Scene of the document, or None
    kind: Literal["surface", "network", "data", "none"] = "none"
    title: dict[str, str] = Field(default_factory=dict)
    description: dict[str, str] = Field(default_factory=dict)
    source: str = ""  # "lesson", "file", "formula", "drawn", "builtin", "new"
    cursor: int = 0
    selected_run: str | None = None
    hover: HoverPoint | None = None
    # The Surface Lab's surface config (core.surfaces.make_surface's dict) and its runs as
    # validated core.scene.RunSpec values, in list order; a view's run list derives from these.
    surface: dict[str, Any] = Field(default_factory=dict)
    runs: tuple[Any, ...] = ()
    # Page-level settings the forms edit (the Network Lab's network section, the Data page's
    # experiment): JSON-like values. ``update_settings`` emits ``events.settings`` only when a
    # value really changed, so a field that merely lost focus changes nothing.
    settings: dict[str, Any] = Field(default_factory=dict)
    # Bumped by every replace_content; ``events.generation`` is the "content replaced" event,
    # and views drop results computed for an older generation.
    generation: int = 0

    def replace_content(
        self,
        scene: Any,
        *,
        source: str,
        kind: Literal["surface", "network", "data", "none"] = "surface",
        title: dict[str, str] | None = None,
        description: dict[str, str] | None = None,
    ) -> None:
        """A new document (or a new surface of the same one): forget what described the old."""
        self.hover = None
        self.selected_run = None
        self.cursor = 0
        self.scene = scene
        self.kind = kind
        self.source = source
        self.title = dict(title or {})
        self.description = dict(description or {})
        self.generation += 1

    def update_settings(self, **changes: Any) -> bool:
        """Merge ``changes`` into ``settings``; True (and one ``events.settings``) only if a value
        differs from what the model holds."""
        merged = {**self.settings, **changes}
        if merged == self.settings:
            return False
        self.settings = merged
        return True

    def set_hover(self, x: float | None, y: float | None = None, loss: float | None = None) -> None:
        """Where the mouse is; ``None`` when it left the map."""
        self.hover = None if x is None or y is None else HoverPoint(x=x, y=y, loss=loss)

    def text(self, which: Literal["title", "description"], language: str) -> str:
        texts = self.title if which == "title" else self.description
        return texts.get(language) or texts.get("en") or ""
