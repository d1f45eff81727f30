"""Griffe extension: render the docstrings' doctests as code blocks.

The library's docstrings follow Keras: an `Example:` line, a blank line,
then `>>>` lines at the docstring's own indentation. Griffe's Google parser
reads that as plain Markdown, in which `[0.1, 0.3]` is a link. This fences
each doctest (a `>>>` line and the non-blank lines after it) as `pycon`.
The docstrings stay as they are.
"""

import re

import griffe

_DOCTEST = re.compile(r"^(>>> .*(?:\n(?!\s*$).*)*)", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Fences the doctests of every docstring."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = _DOCTEST.sub(
                lambda m: f"```pycon\n{m.group(1)}\n```",
                obj.docstring.value,
            )
