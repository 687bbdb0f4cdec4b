"""Checked as a person would: the briefing, the archive and a search page in headless Chromium at 320 and
1280 px, with no horizontal scrolling and every headline visible. Skipped where Chromium is not installed
(`.ci/run` installs Debian's `chromium`).

Headless Chromium lays a window out at least 500 px wide, so each page is measured inside an iframe of the
width under test, from a harness page (the harness has a script; the pages under test have none).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from briefing.archive import write_archive
from briefing.deliver import write_briefing
from briefing.serve import page_for

from .test_archive_site import HOSTILE, day_briefing, story

CHROMIUM = next((path for path in ("/usr/bin/chromium", shutil.which("chromium") or "") if path and
                 Path(path).is_file()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (/usr/bin/chromium)")
WIDTHS = (320, 1280)
LONG = "Supercalifragilisticexpialidocious-Donaudampfschifffahrtsgesellschaftskapitänsmütze"

HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="f" src="%(page)s" width="%(width)s" height="900" style="border:0;display:block"></iframe>
<pre id="out">pending</pre>
<script>
window.addEventListener('load', () => { try {
  const doc = document.getElementById('f').contentDocument;
  const root = doc.documentElement;
  const heads = [...doc.querySelectorAll('h1, h2, h3, li a[href^="/story/"]')].map(h => {
    const r = h.getBoundingClientRect();
    return {text: h.textContent.trim().slice(0, 60), left: r.left, right: r.right, width: r.width,
            height: r.height,
            hidden: getComputedStyle(h).visibility === 'hidden' || getComputedStyle(h).display === 'none'};
  });
  document.getElementById('out').textContent = JSON.stringify({
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, bodyScroll: doc.body.scrollWidth,
    scripts: doc.querySelectorAll('script').length, heads: heads});
} catch (e) { document.getElementById('out').textContent = JSON.stringify({error: String(e)}); } });
</script></body></html>"""


def measure(page: Path, width: int, tmp_path: Path) -> dict:
    harness = page.parent / f"harness-{page.stem}-{width}.html"  # same folder: same origin
    harness.write_text(HARNESS % {"page": page.name, "width": width}, encoding="utf-8")
    profile = tmp_path / f"profile-{page.stem}-{width}"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
               "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom", harness.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="out">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1) != "pending", done.stderr[-2000:]
    result = json.loads(html.unescape(found.group(1)))
    assert "error" not in result, result
    return result


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("browser") / "outputs"
    long_story = story(3, f"{LONG} wins the {LONG} award", summary=f"{LONG} " * 6,
                       url="https://example.com/" + "a" * 300)
    write_briefing(day_briefing(date(2026, 11, 25), story(1, "Dockers strike called at ports")), out)
    write_briefing(day_briefing(date(2026, 11, 26), story(1, HOSTILE), story(2, "Port strike ends with a deal",
                                status="update", matched="Dockers strike called at ports"), long_story), out)
    write_archive(out)
    served = []
    for name, route in (("archive", "/"), ("search", "/search?q=strike"), ("story", "/story/2026-11-26/2")):
        status, _, body = page_for(out, route, "Daily briefing")
        assert status == 200
        (out / f"served-{name}.html").write_bytes(body)
        served.append(out / f"served-{name}.html")
    return [out / "2026-11-26.html", out / "index.html", *served]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_horizontal_scroll_and_every_headline_visible(pages: list[Path], width: int, tmp_path: Path) -> None:
    for page in pages:
        result = measure(page, width, tmp_path)
        assert result["scripts"] == 0, page.name
        assert result["scrollWidth"] <= result["clientWidth"], (page.name, width, result["scrollWidth"])
        assert result["heads"], page.name
        for head in result["heads"]:
            assert not head["hidden"] and head["width"] > 0 and head["height"] > 0, (page.name, head)
            assert head["left"] >= 0 and head["right"] <= width + 0.5, (page.name, width, head)


def test_the_measure_sees_an_overflowing_page(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text(f'<!DOCTYPE html><meta name="viewport" content="width=device-width"><h1 style="white-space:nowrap">'
                    f"{LONG} {LONG}</h1>", encoding="utf-8")
    result = measure(page, 320, tmp_path)
    assert result["scrollWidth"] > result["clientWidth"] == 320
