"""Copies of Chinese and Japanese articles: recall per edit kind, and no false merges.

    python benchmarks/dedup_cjk.py --bodies DIR --dated DIR [--variants 10]

The originals are the Chinese and Japanese pages of metadata-dev (--dated, fundus's parser test
pages: their reference body text). For each of them --variants copies of each edit kind are
made on another site a few hours later, each with its own random edits:

- boilerplate_headline: another outlet's headline, notices and related links around the text;
- paragraph_dropped: one paragraph left out (a quarter of the text, when it has fewer than 3);
- truncated_half: the first half of the characters;
- characters_edited: one or two characters of every paragraph replaced;
- width_swapped: full-width letters, digits and punctuation made half-width and the reverse.

Every other real article of article-body (--bodies) and metadata-dev is in the same run, so a
false copy merge between different texts would show. The grouping runs as the real Beam stage
(GroupArticles on the FnApiRunner), as in dedup_eval.py; the containment each copy keeps (its
shared fingerprints over the smaller set; the copy threshold is 0.40) is printed too.
"""
import argparse
import json
import random
import sys
import unicodedata
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import data_folder  # noqa: E402
from benchmarks.dedup_eval import (copy_recall, false_copy_pairs, load_originals, row,  # noqa: E402
                                   run_grouping)
from transforms.dedup.fingerprints import containment, fingerprints  # noqa: E402
from transforms.web.urls import registered_domain  # noqa: E402

KINDS = ("boilerplate_headline", "paragraph_dropped", "truncated_half", "characters_edited",
         "width_swapped")
_CJK = ("\u3040", "\u30ff"), ("\u4e00", "\u9fff")
# Common ideographs and kana to edit with.
_REPLACEMENTS = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切团引团あいうえおかきくけこさしすせそたちつてとなにぬねのまみむめもやゆよらりるれろわをん"
_HEADLINE = "【速報】関係者が明らかにした最新の動き"
_BOILERPLATE_TOP = ["広告", "この記事は会員限定です。登録すると続きをお読みいただけます。"]
_BOILERPLATE_END = ["関連記事：今週の注目ニュース10選", "無断転載・複製を禁じます。",
                    "この記事をシェアする：Facebook、X、LINE"]


def cjk_originals(dated):
    """The Chinese and Japanese articles of metadata-dev (dedup_eval's loader keeps texts of
    80 words or more, which leaves out every text written without spaces)."""
    expected = json.loads((dated / "expected.json").read_text())
    out = []
    for name, item in sorted(expected.items()):
        if item.get("language") in ("zh", "ja") and len(item.get("body_text") or "") >= 200:
            when = datetime.fromisoformat(item["published"])
            out.append({"id": "md-" + name.replace(".html.gz", ""), "url": item["url"],
                        "text": item["body_text"], "title": item["title"],
                        "when": when if when.tzinfo else when.replace(tzinfo=timezone.utc)})
    return out


def paragraphs_of(text):
    return [p for p in text.split("\n") if p.strip()]


def width_swapped(text):
    out = []
    for c in text:
        folded = unicodedata.normalize("NFKC", c)
        if folded != c and len(folded) == 1 and folded.isascii():
            out.append(folded)                          # full-width -> half-width
        elif c.isascii() and (c.isalnum() or c in "!?()%:,.") and c != " ":
            out.append(chr(ord(c) + 0xFEE0))            # half-width -> full-width
        else:
            out.append(c)
    return "".join(out)


def edit(kind, text, rng):
    paragraphs = paragraphs_of(text)
    if kind == "boilerplate_headline":
        return "\n".join([_HEADLINE, *_BOILERPLATE_TOP, *paragraphs, *_BOILERPLATE_END])
    if kind == "paragraph_dropped":
        if len(paragraphs) >= 3:
            del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
            return "\n".join(paragraphs)
        cut = rng.randrange(len(text) // 4, len(text) // 2)
        return text[:cut] + text[cut + len(text) // 4:]
    if kind == "truncated_half":
        return text[: len(text) // 2]
    if kind == "characters_edited":
        edited = []
        for paragraph in paragraphs:
            chars = list(paragraph)
            letters = [i for i, c in enumerate(chars) if c.isalpha()]
            for i in rng.sample(letters, min(len(letters), rng.choice((1, 2)))):
                chars[i] = rng.choice(_REPLACEMENTS)
            edited.append("".join(chars))
        return "\n".join(edited)
    if kind == "width_swapped":
        return width_swapped(text)
    raise ValueError(kind)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", help="the article-body folder (Zyte's article-extraction "
                                         "benchmark)")
    parser.add_argument("--dated", help="the metadata-dev folder (fundus's parser test pages)")
    parser.add_argument("--variants", type=int, default=10,
                        help="copies of each edit kind per original")
    args = parser.parse_args()
    dated = data_folder(args.dated, "metadata-dev", "--dated")
    cjk = cjk_originals(dated)
    others = load_originals(data_folder(args.bodies, "article-body", "--bodies"), dated)
    originals = others + cjk
    if not cjk:
        raise SystemExit("no Chinese or Japanese article among the originals")
    rng = random.Random(11)
    rows = [row(o["id"], o["text"], o["when"], registered_domain(o["url"])) for o in originals]
    copy_of, kept = {}, defaultdict(list)
    for o in cjk:
        original = fingerprints(o["text"])
        for kind in KINDS:
            for n in range(args.variants):
                text = edit(kind, o["text"], rng)
                copy_id = f"copy-{kind}-{n}-{o['id']}"
                rows.append(row(copy_id, text, o["when"] + timedelta(hours=3),
                                f"{kind}-{n}.example"))   # one site each: no shared footer
                copy_of[copy_id] = (o["id"], kind)
                theirs = fingerprints(text)
                kept[kind].append(containment(len(original & theirs), len(original),
                                              len(theirs)))
    ids = run_grouping(rows)
    print(f"{len(cjk)} Chinese and Japanese originals ({sum(len(o['text']) for o in cjk)} "
          f"characters), {len(copy_of)} copies, {len(others)} other real articles")
    print("\n| edit kind | grouped | containment kept (min, median) |\n|---|---|---|")
    hits, totals = copy_recall(copy_of, ids)
    for kind in KINDS:
        values = sorted(kept[kind])
        print(f"| {kind} | {hits[kind]}/{totals[kind]} ({hits[kind] / totals[kind]:.0%}) | "
              f"{values[0]:.2f}, {values[len(values) // 2]:.2f} |")
    false = false_copy_pairs([o["id"] for o in originals], ids)
    print(f"\nfalse copy merges (pairs of distinct real articles given one dup_id): {len(false)}")
    for a, b in false:
        print(f"  {a} ~ {b}")


if __name__ == "__main__":
    main()
