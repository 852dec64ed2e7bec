"""Where the Go-JSON encoder used to live; it is :mod:`gossamer.api.gojson` now.

Only a re-export, kept while ``receivers/msteams.py`` still imports
``encode_line`` from here; new code imports from ``gossamer.api.gojson``.
"""

from __future__ import annotations

from gossamer.api.gojson import encode_line
from gossamer.api.gojson import marshal as encode

__all__ = ["encode", "encode_line"]
