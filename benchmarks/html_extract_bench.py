"""HTML main-text extraction: PolicyQA's own cleaner against trafilatura and readability-lxml.

    .venv/bin/python benchmarks/html_extract_bench.py [--json out.json] [--keep DIR]

Pages: each of the five sample reports (../shared/corpus/reports) put back into a Chinese
government web page in each of four templates (20 pages), with a site banner and top links, a
navigation bar, a breadcrumb, the article (title, a 发布时间/来源 line, the report's body lines as
paragraphs), print/close links, 上一篇/下一篇, a 相关链接 list, a footer (主办单位, 版权所有, ICP备,
联系电话 ...) and script tags. T1: semantic class names (header/nav/breadcrumb/footer, body in
div#zoom). T2: meaningless ones (w1200/d1/d3_c), a column sidebar, the nav as bare <a>s. T3: an
old table layout, body in .TRS_Editor. T4: meaningless names, the body one div of <br>-separated
lines. The reports' own capture chrome is left out by fixed line ranges. There is no saved .html
page under ../shared to add.

Gold per page: the paragraphs, the title, the page date, and the chrome strings put in (nav
items, top links, breadcrumb, sidebar, widgets, 上一篇/下一篇, 相关链接 and its titles, footer lines,
a script marker); a chrome string that also occurs in the article (a site name) is not scored.

Metrics, under the project's matching rule (common.textnorm: NFKC, whitespace removed, then
substring): recall = share of gold paragraphs found whole in the output (chars: weighted by
length); chrome = share of chrome strings found; title / date = the title / the page date
(YYYY-MM-DD) found (for +clean rows also among clean()'s header values: clean() moves a 发布时间
line there); meta_title / meta_date = PolicyQA's extract_metadata on that text gives the title
and date of CORPUS.md (002 states no date: right is None).

Extractors: PolicyQA's loader (load_file; +clean is prepare_document().text, asserted), the same
with no main-content selector (every page through its trafilatura branch) and with trafilatura
made unavailable (its own walk only),
trafilatura.extract default, with favor_recall (+include_tables), with favor_recall but
include_tables=False, and favor_recall with trafilatura's own title (extract_metadata) put
first; readability-lxml Document.summary() as text. Each also followed by PolicyQA's clean().
Libraries not installed are skipped with a note. Also printed: how often trafilatura's own date
guess (htmldate) equals the page date.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.settings import Settings  # noqa: E402
from common.textnorm import normalize  # noqa: E402
from ingest.cleaning import clean  # noqa: E402
from ingest.document import prepare_document  # noqa: E402
from ingest import html_text  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.metadata import extract_metadata  # noqa: E402
from ingest.models import LoadedText  # noqa: E402

REPORTS = ROOT.parent / "shared" / "corpus" / "reports"
# file, page title (None: its first line), page date, 来源, body lines (1-based, inclusive),
# breadcrumb column, site (name, ICP, phone, address, site code), CORPUS.md's title and date
SITES = {
    "yj": ("阳江市科学技术局", "粤ICP备05062564号-1", "0662-3367662", "阳江市江城区东风三路38号", "4417000019"),
    "ts": ("台山市人民政府网", "粤ICP备10206215号", "0750-5524538", "台山市台城环北大道2号", "4407810001"),
    "gy": ("连云港市赣榆区人民政府", "苏ICP备12035071号", "0518-86221234", "连云港市赣榆区青口镇黄海路", "3207070002"),
    "zs": ("中山市科学技术局", "粤ICP备05102433号", "0760-88325180", "中山市东区松苑路1号", "4420000032"),
}
SPECS = [
    ("000_6815dfeab2db1bf2.txt", None, "2016-04-25 17:13", "阳江市科学技术局", (6, 41), "计划总结", "yj",
     "阳江市科技创新工作情况", "2016-04-25"),
    ("001_36a689d0a3f137d4.txt", None, "2016-02-18 02:27:22", "本网", (8, 56), "通知公告", "ts",
     "江门市加快推进创新驱动发展重点工作方案（2015-2017年）", "2015-12-07"),
    ("002_a295750ddb2d6bca.txt", "2022年阳江市科技工作要点", None, "阳江市科学技术局", (1, 44), "计划总结", "yj",
     "2022年阳江市科技工作要点", None),
    ("003_9713f358d5aa3b1f.txt", "2015年工作总结和2016年工作计划", "2015-12-08", "赣榆区科学技术局", (7, 31),
     "计划总结", "gy", "2015年工作总结和2016年工作计划", "2015-12-08"),
    ("004_4757f8428a5e4ec7.txt", None, "2019-03-22", "本网", (6, 40), "规划计划", "zs",
     "中山市科学技术局2018年工作总结及2019年工作计划", "2019-03-22"),
]
NAVS = {
    "T1": "首页 机构概况 政务公开 政策文件 科技动态 办事服务 互动交流 专题专栏",
    "T2": "网站首页 新闻中心 信息公开 政策法规 网上办事 公众参与 数据发布",
    "T3": "首页 走进本局 政务公开 政策解读 在线服务 政民互动 专项资金",
    "T4": "首页 要闻动态 通知公告 政府信息公开 科技计划 政务服务 联系我们",
}
TOPLINKS = ["设为首页", "加入收藏", "无障碍浏览", "长者模式", "English"]
SIDEBAR = ["信息公开指南", "信息公开目录", "依申请公开", "信息公开年报", "统计数据"]
RELATED = ["关于组织申报{y}年度省科技计划项目的通知", "市科技局召开{y}年全市科技工作会议",
           "关于开展{y}年高新技术企业认定管理工作的通知", "市科技局赴深圳开展产学研合作对接活动",
           "关于公布{y}年度市级工程技术研究中心名单的通知", "我市举办{y}年科技活动周启动仪式"]
SCRIPT = "<script>var _hmt = _hmt || [];(function(){var hm=document.createElement('script');" \
         "hm.src='/js/tj.js?sitecode_gov';document.body.appendChild(hm);})();</script>"
E = html.escape


def load_reports() -> list[dict]:
    pages = []
    for name, title, date, source, (a, b), column, site, doc_title, doc_date in SPECS:
        lines = (REPORTS / name).read_text("utf-8").split("\n")
        first = next(x.strip() for x in lines if x.strip() and "位置" not in x)
        paras = [x.strip(" \t\u3000\xa0") for x in lines[a - 1:b]]
        y = (date or "2022")[:4]
        pages.append({"name": name[:3], "title": title or first, "date": date, "source": source,
                      "paras": [p for p in paras if p], "year": y, "column": column, "site": SITES[site],
                      "doc_title": doc_title, "doc_date": doc_date, "related": [r.format(y=y) for r in RELATED[:4]],
                      "prevnext": [f"上一篇：{RELATED[4].format(y=y)}", f"下一篇：{RELATED[5].format(y=y)}"]})
    return pages


def links(items: list[str], fmt: str = "<a href=/c{i}/>{x}</a>", sep: str = "") -> str:
    return sep.join(fmt.format(i=i, x=E(x)) for i, x in enumerate(items, 1))


def render(t: str, r: dict) -> tuple[str, list[str]]:
    """One page in template ``t``; returns (html, chrome strings put in)."""
    (name, icp, phone, addr, code), ttl, d, s = r["site"], r["title"], r["date"], r["source"]
    nav = NAVS[t].split()
    label = {"T1": "当前位置：", "T2": "您当前所在位置：", "T3": "当前位置：", "T4": "您的位置："}[t]
    sep = {"T1": " &gt; ", "T2": " &gt; ", "T3": " » ", "T4": "&gt;"}[t]
    trail = ["首页", "政务公开", r["column"]]
    crumb = label + links(trail, sep=sep)
    meta = {"T1": (f"发布时间：{d}　" if d else "") + f"来源：{s}",
            "T2": (f"发布日期：{d}　" if d else "") + f"信息来源：{s}　浏览次数：1268",
            "T3": (f"时间：{d}　" if d else "") + f"来源：{s}",
            "T4": f"来源：{s}" + (f" | 发布时间：{d}" if d else "")}[t]
    foot = [f"主办单位：{name}", f"版权所有：{name}", f"地址：{addr}", f"联系电话：{phone}",
            f"网站标识码：{code}", icp, "网站地图 | 联系我们 | 隐私声明"]
    related = links(r["related"], '<li><a href="/art/{i}.html" target="_blank">{x}</a></li>')
    pn = links(r["prevnext"], '<p><a href="/art/p{i}.html">{x}</a></p>')
    printing = '<a href="#">打印本页</a> <a href="#">关闭窗口</a>'
    welcome = f"欢迎访问{E(name)} " + links(TOPLINKS, "<a href=#>{x}</a>", " ")
    chrome = [*nav, *TOPLINKS, label + html.unescape(sep).join(trail), "打印本页", "关闭窗口", *r["prevnext"],
              "相关链接", *r["related"], *foot, "_hmt", f"欢迎访问{name}"]
    if t == "T1":
        body = (f'<div class="header"><div class="logo">{E(name)}</div><div class="toplinks">{welcome}</div></div>\n'
                f'<div class="nav"><ul>{links(nav, "<li><a href=/c{i}/>{x}</a></li>")}</ul></div>\n'
                f'<div class="breadcrumb">{crumb}</div>\n<div class="article"><h1>{E(ttl)}</h1>'
                f'<div class="info">{E(meta)} <span class="font">【字体：大 中 小】</span></div>\n'
                f'<div id="zoom">{links(r["paras"], "<p>{x}</p>")}</div>\n<div class="print">{printing}</div>'
                f'<div class="prevnext">{pn}</div><div class="related"><h3>相关链接</h3><ul>{related}</ul></div></div>\n'
                f'<div class="footer">{links(foot, "<p>{x}</p>")}</div>')
    elif t == "T2":
        chrome += SIDEBAR
        body = (f'<div class="w1200 d1"><img src="/logo.png" alt=""><span class="d1_t">{E(name)}</span>'
                f'<span class="d1_r">{welcome}</span></div>\n<div class="w1200 d2">{links(nav, sep=" ")}</div>\n'
                f'<div class="w1200 d3"><div class="d3_l"><div class="d3_lt">政务公开</div>'
                f'{links(SIDEBAR, "<a href=/s{i}/>{x}</a><br>")}</div>\n<div class="d3_r">'
                f'<div class="d3_p">{crumb}</div><div class="d3_t">{E(ttl)}</div><div class="d3_m">{E(meta)}</div>\n'
                f'<div class="d3_c">{links(r["paras"], "<p style=text-indent:2em>{x}</p>")}</div>\n'
                f'<div class="d3_b">{printing}</div><div class="d3_s">{pn}</div>'
                f'<div class="d3_x"><div class="d3_xt">相关链接</div><ul>{related}</ul></div></div></div>\n'
                f'<div class="w1200 d4">{links(foot, "<p>{x}</p>")}</div>')
    elif t == "T3":
        body = (f'<table width="1000"><tr><td class="top"><b>{E(name)}</b> {welcome}</td></tr></table>\n'
                f'<table width="1000" class="dh"><tr>{links(nav, "<td><a href=/c{i}/>{x}</a></td>")}</tr></table>\n'
                f'<table width="1000"><tr><td class="wz">{crumb}</td></tr></table>\n<table width="1000">'
                f'<tr><td align="center" class="bt">{E(ttl)}</td></tr><tr><td align="center" class="sj">{E(meta)}</td></tr>'
                f'\n<tr><td class="nr"><div class="TRS_Editor">'
                f'{links(r["paras"], "<p style=text-indent:2em>　　{x}</p>")}</div></td></tr>\n'
                f'<tr><td align="right">【<a href="#">打印本页</a>】【<a href="#">关闭窗口</a>】</td></tr>'
                f'<tr><td>{pn}</td></tr></table>\n<table width="1000"><tr><td class="xg">相关链接</td></tr>'
                f'{links(r["related"], "<tr><td>· <a href=/art/{i}.html>{x}</a></td></tr>")}</table>\n'
                f'<table width="1000" class="bottom"><tr><td align="center">{links(foot, sep="<br>")}</td></tr></table>')
    else:
        dated = links(r["related"], '<li><a href="/art/{i}.html">{x}</a><span>' + r["year"] + "-0{i}-1{i}</span></li>")
        body = (f'<div class="a1"><div class="a1-l">{E(name)}</div><div class="a1-r">{welcome}</div></div>\n'
                f'<div class="a2"><ul>{links(nav, "<li><a href=/c{i}/>{x}</a></li>")}</ul></div>\n'
                f'<div class="a3">{crumb}</div>\n<div class="a4"><div class="a4-t"><h2>{E(ttl)}</h2></div>'
                f'<div class="a4-i">{E(meta)}</div>\n<div class="a4-c">{links(r["paras"], "　　{x}", "<br><br>")}</div>\n'
                f'<div class="a4-p">{printing}</div><div class="a4-s">{pn}</div>'
                f'<div class="a4-r"><b>相关链接</b><ul>{dated}</ul></div></div>\n<div class="a5">{links(foot, "<p>{x}</p>")}</div>')
    head = f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{E(ttl)} - {E(name)}</title>{SCRIPT}</head>\n'
    article = normalize("\n".join([ttl, meta, *r["paras"]]))
    chrome = [c for c in dict.fromkeys(chrome) if len(normalize(c)) >= 2 and normalize(c) not in article]
    return f"{head}<body>\n{body}\n{SCRIPT}\n</body></html>\n", chrome


def block_text(markup: str) -> str:
    """HTML fragment to text, one line per block element (for readability's summary)."""
    import lxml.html

    tree = lxml.html.fromstring(markup)
    for el in tree.iter("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "section", "article"):
        el.tail = "\n" + (el.tail or "")
    return tree.text_content()


def extractors(settings: Settings) -> tuple[dict, list[str]]:
    """name -> f(path, markup) -> text, and a note per library (its version or why skipped)."""
    found = {"policyqa": lambda path, markup: load_file(path, settings.ingest).text}
    notes = []

    def no_selectors(path, markup):  # every page through the trafilatura branch
        with mock.patch.object(html_text, "_MAIN_SELECTORS", ()):
            return load_file(path, settings.ingest).text

    def no_trafilatura(path, markup):  # trafilatura not installed: PolicyQA's own walk only
        with mock.patch.object(html_text, "_trafilatura_text", lambda *args: ""):
            return load_file(path, settings.ingest).text

    found["policyqa-no-selectors"] = no_selectors
    found["policyqa-no-trafilatura"] = no_trafilatura
    try:
        import trafilatura

        def with_title(path, markup):  # trafilatura's own title (extract_metadata) put first
            title = trafilatura.extract_metadata(markup).title or ""
            return f"{title}\n\n{found['trafilatura-recall'](path, markup)}"

        found["trafilatura"] = lambda path, markup: trafilatura.extract(markup) or ""
        found["trafilatura-recall"] = lambda path, markup: trafilatura.extract(
            markup, include_tables=True, favor_recall=True) or ""
        found["trafilatura-recall-notables"] = lambda path, markup: trafilatura.extract(
            markup, include_tables=False, favor_recall=True) or ""
        found["trafilatura-recall+title"] = with_title
        notes.append(f"trafilatura {trafilatura.__version__}")
    except ImportError:
        notes.append("trafilatura not installed: skipped")
    try:
        from importlib.metadata import version
        from readability import Document
        found["readability"] = lambda path, markup: block_text(Document(markup).summary())
        notes.append(f"readability-lxml {version('readability-lxml')}")
    except ImportError:
        notes.append("readability-lxml not installed: skipped")
    return found, notes


def score(page: dict, chrome: list[str], text: str, header: dict | None, meta) -> dict:
    out = normalize(text)
    kept = [p for p in page["paras"] if normalize(p) in out]
    in_header = normalize(" ".join(header.values())) if header else ""
    date = normalize(page["date"][:10]) if page["date"] else None
    return {
        "recall": len(kept) / len(page["paras"]),
        "recall_chars": sum(map(len, kept)) / sum(map(len, page["paras"])),
        "chrome": sum(normalize(c) in out for c in chrome) / len(chrome),
        "chrome_kept": [c for c in chrome if normalize(c) in out],
        "lost": [p[:40] for p in page["paras"] if p not in kept],
        "title": normalize(page["title"]) in out,
        "date": None if date is None else (date in out or date in in_header),
        "meta_title": None if header is None else bool(meta) and normalize(meta.title) == normalize(page["doc_title"]),
        "meta_date": None if header is None else bool(meta) and meta.date == page["doc_date"],
        "meta": None if header is None else meta and {"title": meta.title, "date": meta.date},
    }


def mean(rows: list[dict], key: str) -> float | None:
    vals = [float(r[key]) for r in rows if r[key] is not None]
    return statistics.fmean(vals) if vals else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="write per-page results here")
    ap.add_argument("--keep", type=Path, help="write the generated pages here (else a temp dir)")
    args = ap.parse_args()
    t_start = time.perf_counter()
    settings = Settings()
    found, notes = extractors(settings)
    (workdir := args.keep or Path(tempfile.mkdtemp(prefix="html_bench_"))).mkdir(parents=True, exist_ok=True)
    pages = []
    for report in load_reports():
        for t in NAVS:
            markup, chrome = render(t, report)
            path = workdir / f"{report['name']}_{t}.html"
            path.write_text(markup, "utf-8")
            pages.append((report, t, path, markup, chrome))
    rows: dict[str, list[dict]] = {}
    timing: dict[str, float] = {}
    for name, fn in found.items():
        fn(pages[0][2], pages[0][3])  # warm-up: imports and caches are not timed
        t0 = time.perf_counter()
        texts = [fn(path, markup) for _, _, path, markup, _ in pages]
        timing[name] = (time.perf_counter() - t0) / len(pages) * 1000
        for (report, t, path, _, chrome), text in zip(pages, texts):
            cleaned = clean(text)
            meta = extract_metadata(path, LoadedText(text=text, format="html"), cleaned) if cleaned.text.strip() else None
            if name == "policyqa":  # PolicyQA's full path is exactly this
                assert cleaned.text == prepare_document(path, settings).text
            for variant, txt, hdr in ((name, text, None), (f"{name}+clean", cleaned.text, cleaned.header)):
                row = score(report, chrome, txt, hdr, meta)
                rows.setdefault(variant, []).append({"page": path.name, "template": t, **row})
    if "trafilatura" in found:  # its own date guess (htmldate) against the page date (002: none)
        from trafilatura import extract_metadata as tmeta
        right = sum(tmeta(m).date == (r["date"][:10] if r["date"] else None) for r, _, _, m, _ in pages)
        notes.append(f"trafilatura.extract_metadata().date = page date on {right}/{len(pages)} pages")
    print(f"pages: {len(pages)} ({len(SPECS)} reports x {len(NAVS)} templates); {'; '.join(notes)}")
    print("rule: NFKC + whitespace removed; a paragraph / chrome string counts if it is a substring of the output\n")
    cols = ("recall", "recall_chars", "chrome", "title", "date", "meta_title", "meta_date")
    head = f"{'extractor':<33}" + "".join(f"{c.replace('recall_', ''):>11}" for c in cols) + f"{'ms/page':>9}"
    print(head + "\n" + "-" * len(head))
    for variant, rs in rows.items():
        cells = "".join(f"{'n/a' if mean(rs, c) is None else format(mean(rs, c), '.2f'):>11}" for c in cols)
        print(f"{variant:<33}{cells}{timing[variant.removesuffix('+clean')]:9.1f}")
    print("\nper template, recall / chrome:")
    print(f"{'extractor':<33}" + "".join(f"{t:>14}" for t in NAVS))
    for variant, rs in rows.items():
        cells = [[r for r in rs if r["template"] == t] for t in NAVS]
        print(f"{variant:<33}" + "".join(f"{mean(c, 'recall'):>7.2f} /{mean(c, 'chrome'):5.2f}" for c in cells))
    print(f"\ntotal runtime {time.perf_counter() - t_start:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"notes": notes, "ms_per_page": timing, "results": rows},
                                        ensure_ascii=False, indent=1), "utf-8")
    if args.keep is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
