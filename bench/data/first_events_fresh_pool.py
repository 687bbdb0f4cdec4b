"""Rebuild the first_events pool (README procedure) and list cue items not in labels.jsonl."""
import gzip, html, json, re, random
from pathlib import Path
import feedparser

D = Path("/work/shared/data")
CUE = re.compile(r"\b(first|never before|unprecedented|maiden|inaugural|debut(s|ed)?|historic|records?)\b", re.I)
TAG = re.compile(r"<[^>]+>")

def clean(s):
    return " ".join(html.unescape(TAG.sub(" ", s or "")).split())

items = []
def add(raw, source, snap):
    feed = feedparser.parse(raw)
    for e in feed.entries:
        pub = snap
        if e.get("published_parsed"):
            t = e.published_parsed; pub = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
        items.append({"title": clean(e.get("title")), "description": clean(e.get("summary"))[:300],
                      "link": e.get("link", ""), "published": pub, "source": source})

for day in sorted(p for p in (D / "daily").iterdir() if p.is_dir()):
    for f in sorted((day / "output").glob("*.xml.gz")):
        add(gzip.open(f).read(), f.name.split(".")[0], day.name)
for f in sorted((D / "daily_extra").glob("*.xml")):
    add(f.read_bytes(), f.stem, "2024-08-08")

seen_l, seen_t, pool = set(), set(), []
for it in items:
    if it["link"] in seen_l or it["title"].lower() in seen_t:
        continue
    seen_l.add(it["link"]); seen_t.add(it["title"].lower()); pool.append(it)
labelled = [json.loads(l) for l in open(D / "first_events/labels.jsonl")]
ll = {r["link"] for r in labelled}; lt = {r["title"].lower() for r in labelled}
cue = [it for it in pool if CUE.search(it["title"] + " " + it["description"])]
print("pool", len(pool), "cue", len(cue), "labelled found in pool", sum(r["link"] in seen_l for r in labelled))
fresh = [it for it in cue if it["link"] not in ll and it["title"].lower() not in lt]
print("fresh cue", len(fresh))
json.dump(fresh, open("/tmp/fresh/fresh_cue.json", "w"))
