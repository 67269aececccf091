"""The lesson browser: the built-in lesson scenes by chapter, opened into the Surface Lab."""

from desktop_app.lessons.browser import LessonBrowser

__all__ = ["LessonBrowser"]
