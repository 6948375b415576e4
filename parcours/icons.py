"""The app's icon, drawn rather than stored: a headframe over a slag heap, in the site colours.

Phones put it on the home screen when a visitor installs the web app; `maskable` icons keep the
drawing inside the safe circle that Android crops to.
"""

from __future__ import annotations

import io

BACKGROUND = (138, 59, 18)  # the pages' accent colour, #8a3b12
INK = (253, 252, 250)


def icon_png(size: int, *, maskable: bool = False) -> bytes:
    """A square PNG icon of `size` pixels (deterministic bytes for a given size)."""
    from PIL import Image, ImageDraw  # only when an icon is first asked for

    image = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # A maskable icon must keep its drawing inside the central 80% circle.
    margin = size * (0.24 if maskable else 0.14)
    left, right = margin, size - margin
    top, bottom = margin, size - margin
    width = right - left
    line = max(2, round(size / 40))
    # Slag heap: a wide triangle on the ground.
    draw.polygon(
        [(left, bottom), (left + width * 0.42, top + width * 0.52), (right, bottom)], fill=INK
    )
    # Headframe: two legs, a strut and the wheel at the top.
    foot_l, foot_r = left + width * 0.18, left + width * 0.52
    head_x, head_y = left + width * 0.30, top + width * 0.12
    draw.line([(foot_l, bottom), (head_x, head_y)], fill=INK, width=line)
    draw.line([(foot_r, bottom), (head_x, head_y)], fill=INK, width=line)
    draw.line(
        [(foot_l + width * 0.05, top + width * 0.6), (foot_r - width * 0.07, top + width * 0.6)],
        fill=INK,
        width=line,
    )
    radius = width * 0.09
    draw.ellipse(
        [(head_x - radius, head_y - radius), (head_x + radius, head_y + radius)],
        outline=INK,
        width=line,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
