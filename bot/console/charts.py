"""Server-side SVG charts for the console dashboard (matplotlib, Agg backend, no JavaScript).

Each ``*_chart`` function turns one :mod:`bot.measurement.dashboard` aggregate into a :class:`Chart`: a
title, a one-sentence summary, the numbers as a table (the screen-reader and no-picture
fallback shown next to the chart) and the SVG, or ``svg=None`` when there is nothing to draw
yet (the page then says "No data yet" instead of showing empty axes).

The SVG is made to be inlined in the console's pages:

* the console's Content-Security-Policy allows no inline styles, so matplotlib's ``style``
  attributes and ``<style>`` element are turned into SVG presentation attributes;
* every ``id`` is prefixed with the chart's key, so five charts on one page never clash;
* ``role="img"`` with a ``<title>`` and ``<desc>`` (``aria-labelledby``) for screen readers;
* deterministic: a fixed ``svg.hashsalt``, no date in the metadata, same data → same bytes.

Figures are plain :class:`matplotlib.figure.Figure` objects, never pyplot's global figure
manager (which is not thread-safe, and FastAPI runs handlers in a thread pool), so there is
nothing to close; rendering holds a lock because ``rc_context`` changes global settings.
Labels from the data are passed with ``$`` escaped, so they are never read as mathtext.
"""
from __future__ import annotations

import io
import logging
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from markupsafe import Markup

from bot.measurement.dashboard import (NO_AREA, OTHER, STARS, CheckinResponse, NeedsOverTime,
                                       OutcomesByNeed, Ratings, UnmetByArea)

logger = logging.getLogger(__name__)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
NO_DATA = "No data yet"
HASH_SALT = "navigator-dashboard"
RC = {"svg.hashsalt": HASH_SALT, "svg.fonttype": "none", "font.family": "DejaVu Sans",
      "font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
      "axes.titlesize": 11, "axes.labelcolor": "#1d2330", "xtick.color": "#1d2330",
      "ytick.color": "#1d2330", "axes.edgecolor": "#5b6577"}
FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
LABEL_MAX = 28
# Figure widths (inches) close to the cards' widths on a laptop, so text shows at about 13px.
NARROW, WIDE = 6.0, 12.0
# Colour-blind safe: Okabe-Ito for categories; PRGn (greens good, purples not) for outcomes.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
OUTCOME_COLOURS = ("#1b7837", "#5aae61", "#a6dba0", "#d9d9d9", "#762a83", "#9970ab")
ASKED, ANSWERED, UNMET, STAR_COLOUR = "#9ecae1", "#08519c", "#D55E00", "#E69F00"
_PRESENTATION = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
                 "stroke-linejoin", "stroke-linecap", "stroke-dasharray", "stroke-dashoffset",
                 "stroke-miterlimit", "opacity", "text-anchor", "font-size", "font-family",
                 "font-weight", "font-style", "clip-path", "dominant-baseline"}
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_URL = re.compile(r"url\(#([^)]+)\)")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    """One dashboard chart: ``svg`` is None when there is no data to draw."""

    key: str
    title: str
    summary: str
    headers: Tuple[str, ...]
    rows: Tuple[Tuple[str, ...], ...]
    svg: Optional[Markup]
    note: str = ""

    @property
    def empty(self) -> bool:
        return self.svg is None

    @property
    def empty_text(self) -> str:
        return NO_DATA


# -- SVG clean-up --------------------------------------------------------------------------------
def _font(value: str) -> Dict[str, str]:
    """matplotlib's ``font: [italic] [700] 10px 'DejaVu Sans'`` as separate attributes."""
    m = re.match(r"^\s*((?:[a-z0-9]+\s+)*?)([\d.]+)px\s+(.+?)\s*$", value)
    if not m:
        return {}
    out = {"font-size": m.group(2) + "px", "font-family": FONT_FAMILY}
    for word in m.group(1).split():
        if word in ("italic", "oblique"):
            out["font-style"] = word
        elif word.isdigit() or word in ("bold", "bolder", "lighter"):
            out["font-weight"] = word
    return out


def _unstyle(el: ET.Element) -> None:
    style = el.attrib.pop("style", None)
    if not style:
        return
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font":
            el.attrib.update(_font(value))
        elif name in _PRESENTATION and value:
            el.set(name, value)


def _prefix_ids(root: ET.Element, key: str) -> None:
    href = f"{{{XLINK_NS}}}href"
    for el in root.iter():
        if "id" in el.attrib:
            el.set("id", f"{key}-{el.get('id')}")
        for attr in (href, "href"):
            value = el.get(attr)
            if value and value.startswith("#"):
                el.set(attr, f"#{key}-{value[1:]}")
        for attr in ("clip-path", "mask", "fill", "filter"):
            value = el.get(attr)
            if value and "url(#" in value:
                el.set(attr, _URL.sub(lambda m: f"url(#{key}-{m.group(1)})", value))


def inline_svg(svg: str, key: str, title: str, desc: str) -> Markup:
    """matplotlib's SVG document as an element safe to inline under the console's CSP."""
    if not _KEY.match(key):
        raise ValueError("chart key must be lower case letters, digits and dashes")
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
                parent.remove(child)
    for el in root.iter():
        _unstyle(el)
    _prefix_ids(root, key)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("stroke-linejoin", "round")  # was matplotlib's <style>*{...}</style>
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    root.set("class", "chart-svg")
    root.set("aria-labelledby", f"{key}-title {key}-desc")
    title_el, desc_el = ET.Element(f"{{{SVG_NS}}}title"), ET.Element(f"{{{SVG_NS}}}desc")
    title_el.set("id", f"{key}-title")
    title_el.text = title
    desc_el.set("id", f"{key}-desc")
    desc_el.text = desc
    root.insert(0, desc_el)
    root.insert(0, title_el)
    # ElementTree escapes text and attributes: data labels cannot inject markup.
    return Markup(ET.tostring(root, encoding="unicode"))


# -- drawing -------------------------------------------------------------------------------------
def _text(value: str, limit: int = LABEL_MAX) -> str:
    """A data label for matplotlib: shortened, with ``$`` escaped (no mathtext)."""
    value = " ".join(str(value).split())
    if len(value) > limit:
        value = value[:limit - 1].rstrip() + "\u2026"
    return value.replace("$", r"\$")


def _render(key: str, title: str, desc: str, size: Tuple[float, float],
            draw: Callable[[Any], None], counts_on: str = "y") -> Markup:
    """Draw one figure with ``draw(ax)``; ``counts_on``: the axis with whole-number ticks."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit; before anything imports pyplot
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _LOCK, matplotlib.rc_context(RC):
        fig = Figure(figsize=size, dpi=100)
        ax = fig.add_subplot()
        draw(ax)
        axis = ax.xaxis if counts_on == "x" else ax.yaxis
        axis.set_major_locator(MaxNLocator(integer=True))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return inline_svg(buf.getvalue(), key, title, desc)


def _month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year[2:]}"


def _ticks(ax: Any, labels: Sequence[str], fit: int = 12) -> None:
    """Month labels under the bars, slanted when more than ``fit`` would collide."""
    slant = len(labels) > fit
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45 if slant else 0, ha="right" if slant else "center",
                       rotation_mode="anchor" if slant else "default")


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def needs_chart(data: NeedsOverTime) -> Chart:
    """Needs raised over time: stacked bars, searches per month by need."""
    title = "Needs raised over time"
    note = "Searches for services per month, by need (each search counts once)."
    headers = ("Month",) + tuple(s.label for s in data.series) + ("All needs",)
    rows = tuple((_month_label(m),) + tuple(str(s.values[i]) for s in data.series)
                 + (str(sum(s.values[i] for s in data.series)),)
                 for i, m in enumerate(data.months))
    top = max(data.series, key=lambda s: s.total).label if data.series else ""
    desc = (f"{data.total} searches in {len(data.months)} months; the most searched need was "
            f"{top}.") if data.total else NO_DATA
    if not data.total:
        return Chart("needs-over-time", title, desc, headers, rows, None, note)

    def draw(ax: Any) -> None:
        bottom = [0] * len(data.months)
        for i, series in enumerate(data.series):
            ax.bar(range(len(data.months)), series.values, bottom=bottom, width=0.7,
                   color=PALETTE[i % len(PALETTE)] if series.key != OTHER else PALETTE[-1],
                   label=_text(series.label))
            bottom = [b + v for b, v in zip(bottom, series.values)]
        _ticks(ax, [_month_label(m) for m in data.months])
        ax.set_xlabel("Month")
        ax.set_ylabel("Searches")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)

    svg = _render("needs-over-time", title, desc, (WIDE, 3.4), draw)
    return Chart("needs-over-time", title, desc, headers, rows, svg, note)


def outcomes_chart(data: OutcomesByNeed) -> Chart:
    """Outcomes by need: horizontal stacked bars, referrals by their latest outcome."""
    title = "Outcomes by need"
    versions = ", ".join(data.versions)
    note = ("The latest answer for each referral. Outcomes framework version "
            f"{versions}." if versions else "The latest answer for each referral.")
    headers = ("Need",) + tuple(label for _c, label in data.categories) + ("Referrals",)
    rows = tuple((r.label,) + tuple(str(n) for n in r.counts) + (str(r.total),)
                 for r in data.rows)
    good = sum(r.counts[0] + r.counts[1] for r in data.rows)
    desc = (f"{data.total} referrals with an answer; {_percent(good, data.total)} got help or "
            "achieved an outcome.") if data.total else NO_DATA
    if not data.total:
        return Chart("outcomes-by-need", title, desc, headers, rows, None, note)

    def draw(ax: Any) -> None:
        names = [_text(r.label) for r in data.rows][::-1]
        left = [0] * len(names)
        for i, (_code, label) in enumerate(data.categories):
            values = [r.counts[i] for r in data.rows][::-1]
            ax.barh(names, values, left=left, height=0.65, color=OUTCOME_COLOURS[i],
                    label=label)
            left = [a + b for a, b in zip(left, values)]
        ax.set_xlabel("Referrals")
        ax.set_ylabel("Need")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)

    height = max(2.6, 0.9 + 0.4 * len(data.rows))
    svg = _render("outcomes-by-need", title, desc, (NARROW, height), draw, "x")
    return Chart("outcomes-by-need", title, desc, headers, rows, svg, note)


def checkin_chart(data: CheckinResponse) -> Chart:
    """Check-in response rate: check-ins asked and answered per month, with the rate."""
    title = "Check-in response rate"
    note = ("Referrals whose \"how did it go?\" check-in was asked, by month asked, and how "
            "many have an answer.")
    headers = ("Month", "Asked", "Answered", "Response rate")
    rows = tuple((_month_label(m), str(a), str(b), _percent(b, a))
                 for m, a, b in zip(data.months, data.asked, data.answered))
    desc = (f"{data.total_answered} of {data.total_asked} check-ins answered "
            f"({_percent(data.total_answered, data.total_asked)}).") if data.total_asked \
        else NO_DATA
    if not data.total_asked:
        return Chart("checkin-response", title, desc, headers, rows, None, note)

    def draw(ax: Any) -> None:
        xs = range(len(data.months))
        ax.bar([x - 0.2 for x in xs], data.asked, width=0.4, color=ASKED, label="Asked")
        ax.bar([x + 0.2 for x in xs], data.answered, width=0.4, color=ANSWERED,
               label="Answered")
        for x, a, b in zip(xs, data.asked, data.answered):
            if a:
                ax.annotate(_percent(b, a), (x, a), xytext=(0, 3), textcoords="offset points",
                            ha="center", fontsize=8, color="#1d2330")
        _ticks(ax, [_month_label(m) for m in data.months], fit=6)
        ax.set_xlabel("Month the check-in was asked")
        ax.set_ylabel("Referrals")
        ax.set_ylim(0, max(data.asked) * 1.18 + 0.5)
        ax.legend(loc="upper left", frameon=False, fontsize=9, ncol=2)

    svg = _render("checkin-response", title, desc, (NARROW, 3.0), draw)
    return Chart("checkin-response", title, desc, headers, rows, svg, note)


def unmet_chart(data: UnmetByArea) -> Chart:
    """Unmet need by area: horizontal bars, searches that found no service."""
    title = "Unmet need by area"
    note = "Searches that found no eligible service, by the area searched (town or district)."
    headers = ("Area", "Found nothing", "All searches", "Share")
    rows = tuple((r.area, str(r.unmet), str(r.searches), _percent(r.unmet, r.searches))
                 for r in data.rows)
    most = "" if not data.rows else (" with no area given" if data.rows[0].area == NO_AREA
                                     else f" in {data.rows[0].area}")
    desc = (f"{data.total_unmet} of {data.searches} searches found no service "
            f"({_percent(data.total_unmet, data.searches)}); most{most}.") \
        if data.total_unmet else NO_DATA
    if not data.total_unmet:
        return Chart("unmet-by-area", title, desc, headers, rows, None, note)

    def draw(ax: Any) -> None:
        names = [_text(r.area) for r in data.rows][::-1]
        values = [r.unmet for r in data.rows][::-1]
        bars = ax.barh(names, values, height=0.65, color=UNMET)
        ax.bar_label(bars, padding=3, fontsize=8)
        ax.set_xlim(0, max(values) * 1.15 + 0.5)
        ax.set_xlabel("Searches that found no service")
        ax.set_ylabel("Area")

    height = max(2.6, 0.9 + 0.3 * len(data.rows))
    svg = _render("unmet-by-area", title, desc, (NARROW, height), draw, "x")
    return Chart("unmet-by-area", title, desc, headers, rows, svg, note)


def ratings_chart(data: Ratings) -> Chart:
    """Ratings distribution: how many ratings gave 1 to 5 stars."""
    title = "Ratings distribution"
    note = "Young people's ratings of services, 1 to 5 stars (each person's latest rating)."
    names = tuple(f"{s} star" + ("" if s == 1 else "s") for s in STARS)
    headers = ("Stars", "Ratings", "Share")
    rows = tuple((name, str(n), _percent(n, data.total)) for name, n in zip(names, data.counts))
    desc = (f"{data.total} ratings, average {data.average:.1f} stars out of 5."
            if data.average is not None else NO_DATA)
    if not data.total:
        return Chart("ratings", title, desc, headers, rows, None, note)

    def draw(ax: Any) -> None:
        bars = ax.bar(names, data.counts, width=0.6, color=STAR_COLOUR)
        ax.bar_label(bars, padding=2, fontsize=8)
        ax.set_ylim(0, max(data.counts) * 1.15 + 0.5)
        ax.set_xlabel("Stars")
        ax.set_ylabel("Ratings")

    svg = _render("ratings", title, desc, (NARROW, 3.0), draw)
    return Chart("ratings", title, desc, headers, rows, svg, note)
