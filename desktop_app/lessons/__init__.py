"""The lessons: the browser of the built-in lesson scenes (opened into the Surface Lab or the
Network Lab) and the guided-lesson player that steps through a lesson's beats."""

from desktop_app.lessons.browser import LessonBrowser
from desktop_app.lessons.player import LessonPlayer, with_player

__all__ = ["LessonBrowser", "LessonPlayer", "with_player"]
