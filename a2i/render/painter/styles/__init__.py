"""The painter's styles, one module each behind :class:`~a2i.render.painter.styles.base.StyleSpec`.

``STYLES`` maps a style's name to its spec, in the order the default mix cycles through them.
"""

from __future__ import annotations

from a2i.render.painter.styles import bauhaus, contours, fields, flow, glass, ink, landscape, pointillism, watercolour
from a2i.render.painter.styles.base import StyleSpec

STYLES: dict[str, StyleSpec] = {spec.name: spec for spec in (
    flow.STYLE, landscape.STYLE, glass.STYLE, watercolour.STYLE, bauhaus.STYLE, ink.STYLE, pointillism.STYLE,
    contours.STYLE, fields.STYLE,
)}
