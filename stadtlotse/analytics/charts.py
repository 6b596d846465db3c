"""Charts as server-side SVG: no script, readable by screen readers (role="img", <title>, <desc>).

Each chart is drawn from the same rows as the table printed under it, so the numbers are always
one step away. Colours come from one sequential palette whose steps differ in lightness, so they
also read in greyscale; every bar carries its value as text.
"""

import math

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .figures import district_shape


# Light to dark blue (ColorBrewer "Blues", 5 classes); the darkest steps take white text.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
BAR = "#2b6cb0"


def _number(value):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", " ") if abs(value) < 10 else f"{value:,.1f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def _f(value):
    return f"{value:.1f}"


def _open(uid, title, desc, width, height):
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-t {uid}-d" '
        'viewBox="0 0 {w} {h}" width="100%" class="chart"><title id="{uid}-t">{title}</title>'
        '<desc id="{uid}-d">{desc}</desc>',
        uid=uid, title=title, desc=desc, w=_f(width), h=_f(height),
    )


def columns(uid, title, desc, points, *, width=720, height=240):
    """Vertical bars, one per (label, value); only every n-th label is written under them when crowded."""
    left, bottom, top = 40, 30, 20
    numeric = [(label, v if isinstance(v, (int, float)) else 0) for label, v in points]
    top_value = max([v for _l, v in numeric if v] or [1])
    slot = (width - left - 10) / max(len(points), 1)
    every = max(1, math.ceil(len(points) / 7))  # at most seven labels: dates do not overlap
    parts = [_open(uid, title, desc, width, height)]
    plot = height - bottom - top
    parts.append(format_html('<text x="{}" y="14" class="axis">{}</text>', 0, _number(top_value)))
    parts.append(format_html('<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#555"/>',
                             l=left, r=width - 10, y=height - bottom))
    for i, ((label, value), (_label, amount)) in enumerate(zip(points, numeric)):
        h = plot * amount / top_value
        x = left + i * slot
        parts.append(format_html(
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"><title>{label}: {v}</title></rect>',
            x=_f(x + slot * 0.1), y=_f(height - bottom - h), w=_f(slot * 0.8), h=_f(h), c=BAR, label=label, v=_number(value)))
        if i % every == 0:
            parts.append(format_html('<text x="{x}" y="{y}" class="axis">{label}</text>',
                                     x=_f(x + slot * 0.1), y=height - bottom + 16, label=label))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - every part is format_html() output or a constant


def bars(uid, title, desc, points, *, width=720, unit="", maximum=None):
    """Horizontal bars with the label left and the value right of each bar."""
    row, label_width, value_width = 26, 260, 80
    height = row * len(points) + 10
    top_value = maximum or max([v for _l, v in points if v] or [1])
    span = width - label_width - value_width
    parts = [_open(uid, title, desc, width, max(height, 30))]
    for i, (label, value) in enumerate(points):
        y = 5 + i * row
        w = span * (value or 0) / top_value if top_value else 0
        shown = "–" if value is None else f"{_number(value)}{unit}"
        parts.append(format_html(
            '<text x="0" y="{ty}" class="label">{label}</text>'
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"/>'
            '<text x="{vx}" y="{ty}" class="value">{shown}</text>',
            ty=y + 16, label=label[:40], x=label_width, y=y, w=_f(w), h=row - 8, c=BAR,
            vx=_f(label_width + w + 6), shown=shown))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - every part is format_html() output or a constant


def _legend(value, top):
    digits = 0 if top >= 100 else 1 if top >= 10 else 2
    return f"{value:.{digits}f}"


def classes(values, n=len(PALETTE)):
    """Class breaks (upper bounds) for the map by quantiles: about as many districts in each class,
    so differences show even where all districts are alike in absolute terms."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return [0.0] * n
    return [ordered[max(0, math.ceil((i + 1) / n * len(ordered)) - 1)] for i in range(n)]


def _class_of(value, breaks):
    for i, upper in enumerate(breaks):
        if value <= upper:
            return i
    return len(breaks) - 1


def choropleth(uid, title, desc, districts, *, value, legend_title, width=640):
    """A district map: each district filled by its value's class, a legend with the class ranges.

    `districts` are objects with `.area.geometry` and `.area.name`; `value(d)` gives the number.
    Coordinates are projected equirectangularly at the city's mean latitude (fine at city scale).
    """
    # Simplified by about 30 m: invisible at this size, and a tenth of the points.
    shapes = [(d, district_shape(d.area)[2]) for d in districts]
    if not shapes:
        return ""
    minx = min(s.bounds[0] for _d, s in shapes)
    miny = min(s.bounds[1] for _d, s in shapes)
    maxx = max(s.bounds[2] for _d, s in shapes)
    maxy = max(s.bounds[3] for _d, s in shapes)
    xscale = math.cos(math.radians((miny + maxy) / 2))
    map_width = width - 180
    factor = map_width / max((maxx - minx) * xscale, 1e-9)
    height = (maxy - miny) * factor + 20

    def point(x, y):
        return f"{(x - minx) * xscale * factor + 10},{(maxy - y) * factor + 10}"

    values = [value(d) for d, _s in shapes]
    breaks = classes(values)
    parts = [_open(uid, title, desc, width, max(height, 40 + 22 * len(PALETTE)))]
    for (d, shape), v in zip(shapes, values):
        polygons = getattr(shape, "geoms", [shape])
        path = []
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                path.append("M" + " L".join(point(x, y) for x, y in ring.coords) + " Z")
        fill = PALETTE[_class_of(v or 0, breaks)]
        parts.append(format_html('<path d="{}" fill="{}" stroke="#333" stroke-width="0.8" fill-rule="evenodd">'
                                 '<title>{}: {}</title></path>', " ".join(path), fill, d.area.name, _number(v)))
    lx = map_width + 30
    parts.append(format_html('<text x="{}" y="20" class="label">{}</text>', lx, legend_title))
    lower = 0
    for i, upper in enumerate(breaks):
        y = 30 + i * 22
        parts.append(format_html(
            '<rect x="{x}" y="{y}" width="18" height="16" fill="{c}" stroke="#333"/>'
            '<text x="{tx}" y="{ty}" class="label">{a} – {b}</text>',
            x=lx, y=y, c=PALETTE[i], tx=lx + 24, ty=y + 13, a=_legend(lower, breaks[-1]), b=_legend(upper, breaks[-1])))
        lower = upper
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - every part is format_html() output or a constant


def text(value):
    """Escape for use in SVG text built elsewhere."""
    return escape(value)
