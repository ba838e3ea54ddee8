"""HTML main-text extraction: PolicyQA's own cleaner against trafilatura and readability-lxml.

    .venv/bin/python benchmarks/html_extract_bench.py [--set {dev,heldout,all}] [--json out.json] [--keep DIR]

Two sets of synthetic pages (--set, default dev). PolicyQA's HTML code was tuned on dev; heldout
was written afterwards, apart from it, and is meant to be run rarely, not tuned on.

dev (20 pages): each of the five sample reports (../shared/corpus/reports) put back into a Chinese
government web page in each of four templates (20 pages), with a site banner and top links, a
navigation bar, a breadcrumb, the article (title, a 发布时间/来源 line, the report's body lines as
paragraphs), print/close links, 上一篇/下一篇, a 相关链接 list, a footer (主办单位, 版权所有, ICP备,
联系电话 ...) and script tags. T1: semantic class names (header/nav/breadcrumb/footer, body in
div#zoom). T2: meaningless ones (w1200/d1/d3_c), a column sidebar, the nav as bare <a>s. T3: an
old table layout, body in .TRS_Editor. T4: meaningless names, the body one div of <br>-separated
lines. The reports' own capture chrome is left out by fixed line ranges. There is no saved .html
page under ../shared to add.

heldout (48 pages): each of the twelve 政府工作报告 of ../shared/corpus/extra (body after the
``---`` header, without its own title / 来源 lines and the wikisource licence; PM / 2.5 split lines
joined back) in four more templates, one site each, modelled on local government article pages.
H1 (区政府 政府信息公开): 公开目录 tree on the left, a 索引号/发布机构/成文日期/名称/发布日期/主题词 table
above the body, <h2> title, Word-pasted <p class=MsoNormal><span style=font-family:仿宋_GB2312>
paragraphs (digits in <span lang=EN-US>) in div#UCAP-CONTENT, div#xxgk_content or no box of their
own (by report), 扫一扫/【我要纠错】【打印本页】【关闭窗口】, 相关解读, 主办/承办/公网安备 footer, <meta
name=ArticleTitle/PubDate>. H2 (市科技局 news): nested main_box/con/con_l/art_con/con/con_txt divs,
<h1>, <p style="text-indent:2em">, 分享到 (bdshare), 上一篇/下一篇, a right-hand 热点新闻 / 点击排行 /
专题专栏 column, 友情链接 <select>. H3 (old 科技局 CMS): <title> is the site name only, title in
<div class=title> (no <h>), "日期：… 浏览次数：…" line, &nbsp;-indented <p>s, an 附件 list, 责任编辑,
[打印] [关闭] [返回顶部], 相关文章 with dates, 热门搜索. H4 (市政府门户, table layout): 栏目导航 / 最新动态
column, title in td.bt_title <font><b>, body <p><font> lines in td.bt_content, 【收藏】【打印】【关闭】,
上一条/下一条, 网站地图 | 联系我们 footer with a visitor counter. The 索引号 table and the 附件 names
are neither content nor chrome (not scored).

Gold per page: the paragraphs, the title, the page date, and the chrome strings put in (nav
items, top links, breadcrumb, sidebar, widgets, 上一篇/下一篇, 相关链接 and its titles, footer lines,
a script marker); a chrome string that also occurs in the article (a site name) is not scored.

Metrics, under the project's matching rule (common.textnorm: NFKC, whitespace removed, then
substring): recall = share of gold paragraphs found whole in the output (chars: weighted by
length); chrome = share of chrome strings found; title / date = the title / the page date
(YYYY-MM-DD) found (for +clean rows also among clean()'s header values: clean() moves a 发布时间
line there); meta_title / meta_date = PolicyQA's extract_metadata on that text gives the title
and date of CORPUS.md (002 states no date: right is None); heldout: the page title, and either
the page date or the report's own date (the session it was given at; H1's 成文日期).

Extractors: PolicyQA's loader (load_file; +clean is prepare_document().text, asserted), the same
with no main-content selector (every page through its trafilatura branch) and with trafilatura
made unavailable (its own walk only),
trafilatura.extract default, with favor_recall (+include_tables), with favor_recall but
include_tables=False, and favor_recall with trafilatura's own title (extract_metadata) put
first; readability-lxml Document.summary() as text. Each also followed by PolicyQA's clean().
Libraries not installed are skipped with a note. Also printed: how often trafilatura's own date
guess (htmldate) equals the page date; for heldout, the per-template table of title / date too.
"""

from __future__ import annotations

import argparse
import html
import json
import re
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
                      "doc_title": doc_title, "doc_dates": (doc_date,), "related": [r.format(y=y) for r in RELATED[:4]],
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


# ---- held-out set: 12 long reports (../shared/corpus/extra) x 4 templates H1-H4 --------------
# Written apart from T1-T4 after the way local government article pages are laid out; nothing in
# ingest/ was tuned on them. Each template is one site: name, ICP, 公网安备, site code, phone, address.
EXTRA = ROOT.parent / "shared" / "corpus" / "extra"
H_SITES = {
    "H1": ("佛山市南海区人民政府", "粤ICP备10208531号", "粤公网安备 44060502000169号", "4406050001",
           "0757-86332110", "佛山市南海区桂城街道南海大道北23号"),
    "H2": ("绍兴市科学技术局", "浙ICP备11017654号-2", "浙公网安备 33060202000231号", "3306000030",
           "0575-85130215", "绍兴市越城区洋江西路589号"),
    "H3": ("宜昌市科学技术局", "鄂ICP备05012873号-1", "鄂公网安备 42050202000321号", "4205000027",
           "0717-6441236", "宜昌市西陵区沿江大道115号"),
    "H4": ("泉州市人民政府", "闽ICP备05002351号", "闽公网安备 35050302000102号", "3505000005",
           "0595-22567890", "泉州市丰泽区东海街道行政中心"),
}
# file, page date (printed), the report's own date (the session it was given at; meta_date may
# give either), 来源 when the text names none
H_SPECS = [
    ("2016_国务院政府工作报告.txt", "2016-03-17 15:20:41", "2016-03-05", "中国政府网"),
    ("2018_国务院政府工作报告.txt", "2018-03-22 16:05:12", "2018-03-05", "中国政府网"),
    ("2019_国务院政府工作报告.txt", "2019-03-16 10:31:27", "2019-03-05", "新华社"),
    ("2022_国务院政府工作报告.txt", "2022-03-12 18:44:03", "2022-03-05", "中国政府网"),
    ("2025年四川省政府工作报告.txt", "2025-01-27 09:12:55", "2025-01-20", None),
    ("2025年安徽省政府工作报告.txt", "2025-01-24 11:40:18", "2025-01-20", None),
    ("2025年山东省政府工作报告.txt", "2025-01-20 17:58:30", "2025-01-20", None),
    ("2025年广东省政府工作报告.txt", "2025-01-22 08:47:09", "2025-01-15", None),
    ("2025年江苏省政府工作报告.txt", "2025-01-25 14:03:36", "2025-01-19", None),
    ("2025年浙江省政府工作报告.txt", "2025-01-21 10:26:44", "2025-01-14", None),
    ("2025年湖北省政府工作报告.txt", "2025-01-23 15:37:21", "2025-01-16", None),
    ("2025年福建省政府工作报告.txt", "2025-01-20 20:15:02", "2025-01-13", None),
]
HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


def load_extra() -> list[dict]:
    """The 12 reports as page records: the body after the ``---`` header, without its title line,
    its 来源 line (printed in the page's info line instead) and the wikisource licence at the end;
    subscripts split onto their own line (PM / 2.5 / ）) joined back."""
    pages = []
    for i, (name, date, own, source) in enumerate(H_SPECS):
        text = (EXTRA / name).read_text("utf-8")
        head, body = text.split("\n---\n", 1)
        title = re.search(r"^标题: *(.+)$", head, re.MULTILINE).group(1).strip()
        lines = [x.strip(" \t\u3000\xa0") for x in body.split("\n")]
        lines = [x for x in lines[:lines.index("本作品是中华人民共和国的")] if x] if "本作品是中华人民共和国的" in lines \
            else [x for x in lines if x]
        while lines and lines[0] in (title, "政府工作报告"):
            lines.pop(0)
        if re.match(r"来源 *[:：]", lines[0]):
            source = re.sub(r"^来源 *[:：] *", "", lines.pop(0))
        paras: list[str] = []
        for x in lines:
            if re.fullmatch(r"[0-9.]+", x) and paras:  # a subscript: glue it and the next line on
                paras[-1] += x
                paras.append("\x00")
            elif paras and paras[-1] == "\x00":
                paras[-1:] = []
                paras[-1] += x
            else:
                paras.append(x)
        y = date[:4]
        pages.append({"name": name.split("_")[0] if name[4] == "_" else name[5:7], "title": title, "date": date,
                      "own_date": own, "source": source, "paras": paras, "year": y, "views": 300 + 977 * (i + 1) % 4000,
                      "doc_title": title, "doc_dates": (date[:10], own)})
    return pages


def wtext(s: str) -> str:
    """Text for markup: escaped, digit runs in Word's <span lang="EN-US"> (as pasted documents come)."""
    return re.sub(r"[0-9][0-9.%]*", lambda m: f'<span lang="EN-US">{m.group()}</span>', E(s, quote=False))


def render_heldout(tpl: str, r: dict, k: int) -> tuple[str, list[str], list[str]]:
    """One held-out page; returns (html, chrome strings put in, neutral strings: page metadata and
    attachment names, neither content nor chrome). ``k``: the report's index (H1 varies its body box)."""
    name, icp, gongan, code, phone, addr = H_SITES[tpl]
    ttl, d, s, y, paras = r["title"], r["date"], r["source"], r["year"], r["paras"]
    d10, dm = d[:10], d[:16]
    issuer = "国务院" if "国务院" in ttl else ttl[5:8] + "人民政府"
    chrome: list[str] = []
    neutral: list[str] = []

    def a(items, fmt="<a href=/{i}/>{x}</a>", sep=""):
        return sep.join(fmt.format(i=i, x=E(x)) for i, x in enumerate(items, 1))

    if tpl == "H1":  # 政府信息公开 page: 公开目录 tree, 索引号 table above the body, Word-pasted body
        top = ["无障碍", "长者版", "繁體", "手机版", "登录", "注册"]
        nav = ["信息公开首页", "政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开"]
        tree = ["机构职能", "政策文件", "规划计划", "财政预决算", "重大建设项目", "人事信息", "应急管理", "政府工作报告"]
        crumb = ["首页", "政府信息公开", "法定主动公开内容", "政府工作报告"]
        related = [f"一图读懂{y}年政府工作报告", f"{y}年政府工作报告新闻发布会实录",
                   f"南海区{y}年十件民生实事项目公布", f"南海区{y}年国民经济和社会发展计划"]
        foot = [f"主办：{name}办公室", "承办：佛山市南海区政务服务数据管理局", f"网站标识码：{code}", icp, gongan,
                "建议使用1366×768以上分辨率浏览"]
        index = f"11440605007{k:03d}6818/{y}-{k + 101:05d}"
        table = [("索引号：", index, "分类：", "综合政务\\政府工作报告"), ("发布机构：", issuer, "成文日期：", r["own_date"]),
                 ("名　　称：", ttl, None, None), ("文　　号：", "", "发布日期：", d10), ("主题词：", "政府工作报告", "有效性：", "有效")]
        rows = "".join(f'<tr><td class="td_lable">{E(a1)}</td>' + (f'<td colspan="3">{E(b1)}</td>' if a2 is None else
                       f'<td>{E(b1)}</td><td class="td_lable">{E(a2)}</td><td>{E(b2)}</td>') + "</tr>"
                       for a1, b1, a2, b2 in table)
        neutral += ["".join(x for x in row if x) for row in table]
        ps = "".join('<p class="MsoNormal" style="text-indent:32pt;line-height:28pt;text-align:justify">'
                     + (f'<strong><span style="font-family:黑体;font-size:16pt">{wtext(x)}</span></strong>' if HEADING.match(x)
                        else f'<span style="font-family:仿宋_GB2312;font-size:16pt">{wtext(x)}</span>') + "</p>\n" for x in paras)
        box = ('<div id="UCAP-CONTENT" class="article_content">{}</div>', '<div class="xxgk_content" id="xxgk_content">{}</div>',
               "{}")[k % 3].format(ps)
        chrome += [*top, *nav, "公开目录", *tree, "当前位置：" + ">".join(crumb), "扫一扫在手机打开当前页", "【我要纠错】",
                   "【打印本页】", "【关闭窗口】", "相关解读", *related, *foot, "_setAccount", "border-collapse", "今天是："]
        body = (f'<div class="topbar"><div class="wrap"><span class="fl">今天是：<span id="today"></span></span>'
                f'<span class="fr">{a(top, "<a href=javascript:; class=t{i}>{x}</a>", " | ")}</span></div></div>\n'
                f'<div class="xxgk_header"><div class="wrap"><div class="logo"><a href="/"><img src="/images/logo.png" '
                f'alt="{E(name)}"></a></div><span class="xxgk_name"><img src="/images/xxgk.png" alt="政府信息公开"></span>'
                f'<div class="search"><input type="text" placeholder="请输入关键字"><button type="submit"></button></div></div></div>\n'
                f'<div class="xxgk_nav"><div class="wrap">{a(nav, "<a href=/xxgk/{i}/>{x}</a>")}</div></div>\n'
                f'<div class="wrap clearfix"><div class="xxgk_left"><div class="lm_tit">公开目录</div><ul class="tree">'
                f'{a(tree, "<li><a href=/xxgk/fdzdgk/{i}/>{x}</a></li>")}</ul></div>\n<div class="xxgk_right">'
                f'<div class="position">当前位置：{a(crumb, sep=" &gt; ")}</div>\n'
                f'<table class="xxgk_table" width="100%" cellspacing="0" cellpadding="0"><tbody>{rows}</tbody></table>\n'
                f'<div class="content"><h2 class="xxgk_title">{E(ttl)}</h2>\n{box}\n'
                f'<div class="xxgk_bottom"><div class="ewm"><div id="qrcode"></div><span>扫一扫在手机打开当前页</span></div>'
                f'<a href="javascript:;" onclick="jiucuo()">【我要纠错】</a><a href="javascript:window.print()">【打印本页】</a>'
                f'<a href="javascript:window.close()">【关闭窗口】</a></div>\n<div class="zcjd"><div class="tit">相关解读</div>'
                f'<ul>{a(related, "<li><a href=/xxgk/zcjd/{i}.html>{x}</a></li>")}</ul></div></div></div></div>\n'
                f'<div class="footer"><div class="wrap"><a class="dzjg" href="#"><img src="/images/dzjg.png" alt="党政机关"></a>'
                f'<a class="zc" href="#"><img src="/images/jiucuo.png" alt="政府网站找错"></a>'
                f'<p>{E(foot[0])}　{E(foot[1])}</p><p>{E(foot[2])}　<a href="https://beian.miit.gov.cn/">{E(icp)}</a>　'
                f'<a href="#"><img src="/images/ga.png" alt="">{E(gongan)}</a></p><p>{E(foot[5])}</p></div></div>')
        head_extra = (f'<meta name="SiteName" content="{E(name)}"><meta name="SiteIDCode" content="{code}">'
                      f'<meta name="ColumnName" content="政府工作报告"><meta name="ArticleTitle" content="{E(ttl)}">'
                      f'<meta name="PubDate" content="{dm}"><meta name="ContentSource" content="{E(s)}">'
                      "<style>.xxgk_table{border-collapse:collapse}.xxgk_table td{border:1px solid #d6d6d6}</style>"
                      "<script>var _maq=_maq||[];_maq.push(['_setAccount','nh_gov']);</script>")
        page_title = f"{ttl}_政府信息公开_{name}"
        meta = ttl  # the info line is the 索引号 table (neutral)
    elif tpl == "H2":  # 科技局 news page: nested div soup, <p style=text-indent:2em>, 热点/排行 on the right
        top = ["智能问答", "无障碍阅读", "长者模式", "简体", "繁体"]
        nav = ["首页", "机构概况", "科技新闻", "通知公告", "政策法规", "科技计划", "人才工作", "互动交流"]
        crumb = ["首页", "政策法规", "上级政策"]
        hot = [f"绍兴市{y}年度科技型中小企业名单公示", f"关于组织申报{y}年度绍兴市重点研发计划项目的通知",
               "市科技局召开党组理论学习中心组学习会", f"{y}年绍兴市科技创新大会召开"]
        rank = [f"关于开展{y}年度高新技术企业认定工作的通知", "绍兴市科技创新券管理办法（修订）",
                f"关于公布{y}年度市级企业研究开发中心名单的通知", "市科技局赴上海开展人才项目对接活动",
                "绍兴市科技特派员工作考核办法"]
        pn = ["上一篇：绍兴市科学技术局关于印发《绍兴市科技计划项目管理办法》的通知", f"下一篇：{y}年全市科技工作要点"]
        friends = ["科学技术部", "浙江省科学技术厅", "绍兴市人民政府", "绍兴市人才网"]
        foot = [f"版权所有：{name}", f"地址：{addr}", "邮编：312000", f"联系电话：{phone}", icp, gongan, f"网站标识码：{code}"]
        info = f"发布时间：{d}　来源：{s}"
        ps = "".join(f'<p style="text-indent:2em;">{wtext(x)}</p>\n' + ('<p style="text-indent:2em;">&nbsp;</p>\n' if i == 2 else "")
                     for i, x in enumerate(paras))
        chrome += [f"欢迎访问{name}网站！", *top, *nav, "您现在的位置：" + ">".join(crumb), "字号：大中小", "分享到：", *pn,
                   "热点新闻", *hot, "点击排行", *rank, "友情链接", *friends, *foot, "bdshare", "专题专栏"]
        body = (f'<div class="top_bg"><div class="main_box"><div class="top_l">欢迎访问{E(name)}网站！</div>'
                f'<div class="top_r">{a(top, "<a href=javascript:;>{x}</a>", "|")}</div></div></div>\n'
                f'<div class="banner"><div class="main_box"><a class="logo" href="/"><img src="/images/logo.png" alt="{E(name)}"></a>'
                f'<div class="search_box"><input type="text" value="" placeholder="请输入搜索内容"><a href="javascript:;" class="btn"></a></div></div></div>\n'
                f'<div class="menu"><div class="main_box"><ul>{a(nav, "<li><a href=/col/col{i}/>{x}</a></li>")}</ul></div></div>\n'
                f'<div class="main_box mt20"><div class="position"><span>您现在的位置：</span>{a(crumb, sep="&gt;")}</div>\n'
                f'<div class="con clearfix"><div class="con_l"><div class="article">\n'
                f'<div class="art_title"><h1>{E(ttl)}</h1></div>\n<div class="art_info"><span>发布时间：{d}</span>'
                f'<span>来源：{E(s)}</span><span class="zh">字号：<a href="javascript:;">大</a><a href="javascript:;">中</a>'
                f'<a href="javascript:;">小</a></span></div>\n<div class="art_con"><div class="con"><div class="con_txt">\n{ps}</div></div></div>\n'
                f'<div class="share bdsharebuttonbox"><span>分享到：</span><a class="bds_weixin" data-cmd="weixin" title="分享到微信"></a>'
                f'<a class="bds_tsina" data-cmd="tsina" title="分享到新浪微博"></a><a class="bds_qzone" data-cmd="qzone" title="分享到QQ空间"></a></div>\n'
                f'<div class="art_page">{a(pn, "<p><a href=/art/{i}.html>{x}</a></p>")}</div></div></div>\n'
                f'<div class="con_r"><div class="rd"><div class="rd_tit"><span>热点</span>新闻</div><ul>'
                f'{a(hot, "<li><a href=/art/h{i}.html title={x}>{x}</a></li>")}</ul></div>\n'
                f'<div class="ph"><div class="ph_tit">点击排行</div><ol>{a(rank, "<li><em>{i}</em><a href=/art/r{i}.html>{x}</a></li>")}</ol></div>\n'
                f'<div class="zt"><div class="zt_tit">专题专栏</div><a href="/zt/1/"><img src="/images/zt1.jpg" alt="科技创新"></a></div></div></div></div>\n'
                f'<div class="foot"><div class="main_box"><div class="yqlj"><span>友情链接</span><select onchange="window.open(this.value)">'
                f'{a(friends, "<option value=/{i}>{x}</option>")}</select></div>\n'
                f'<p>{E(foot[0])}　{E(foot[1])}　{E(foot[2])}　{E(foot[3])}</p><p>{E(icp)}　<img src="/images/ga.png" alt="">{E(gongan)}　{E(foot[6])}</p></div></div>\n'
                '<script>window._bd_share_config={"common":{"bdSnsKey":{},"bdText":""},"share":{}};'
                "with(document)0[(getElementsByTagName('head')[0]||body).appendChild(createElement('script')).src="
                "'/static/api/js/share.js?v=89860593.js?bdshare'];</script>")
        desc = E(paras[1][:80] if len(paras) > 1 else ttl)
        head_extra = f'<meta name="keywords" content="政府工作报告,{E(s)}"><meta name="description" content="{desc}">'
        page_title = f"{ttl}_政策法规_{name}"
        meta = info
    elif tpl == "H3":  # old 科技局 CMS: title in div.title, 日期/浏览次数 line, 附件 list, [打印] [关闭]
        top = ["网站首页", "收藏本站", "RSS订阅"]
        nav = ["首页", "科技要闻", "政务公开", "科技政策", "计划管理", "成果转化", "知识产权", "办事指南"]
        hotwords = ["人才政策", "高企认定", "科技创新券"]
        crumb = ["首页", "科技政策"]
        files = ["附件1：名词解释.docx", f"附件2：{y}年主要预期目标.pdf"]
        pn = [f"上一篇：宜昌市科学技术局{y}年部门预算公开", f"下一篇：关于做好{y}年度科技成果登记工作的通知"]
        related = [f"宜昌市{y}年科技工作会议召开", f"关于征集{y}年度湖北省技术创新计划项目的通知",
                   "市科技局开展科技活动周系列活动", "宜昌高新区获批国家级科技企业孵化器"]
        foot = [f"主办单位：{name}", "承办：宜昌市科技信息研究院", f"地址：{addr}", f"电话：{phone}", icp, gongan,
                f"网站标识码：{code}"]
        info = f"日期：{d10}　浏览次数：{r['views']}　来源：{s}"
        ps = "".join(f"<p><b>{wtext(x)}</b></p>\n" if HEADING.match(x) else f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{wtext(x)}</p>\n" for x in paras)
        neutral += ["附件：", *files]
        chrome += [*top, *nav, "热门搜索：" + "".join(hotwords), "当前位置：" + ">>".join(crumb) + ">>正文", "责任编辑：李明",
                   "[打印]", "[关闭]", "[返回顶部]", *pn, "相关文章", *related, *foot, "showDate", "今天是："]
        body = (f'<div id="wrapper"><div id="top"><div class="tq">今天是：<script>showDate();</script></div>'
                f'<div class="toplink">{a(top, "<a href=javascript:;>{x}</a>", " | ")}</div></div>\n'
                f'<div id="header"><img src="/images/banner.jpg" width="1000" height="160" alt="{E(name)}"></div>\n'
                f'<div id="menu">{a(nav, "<a href=/news/class/?{i}.html>{x}</a>")}</div>\n'
                f'<div class="hot_search">热门搜索：{a(hotwords, "<a href=/search/?q={x}>{x}</a>", " ")}'
                f'<form action="/search/"><input name="q" type="text"><input type="submit" value=""></form></div>\n'
                f'<div id="main"><div class="dqwz">当前位置：{a(crumb, "<a href=/news/class/?{i}.html>{x}</a>", " &gt;&gt; ")} &gt;&gt; 正文</div>\n'
                f'<div class="article_box"><div class="title">{E(ttl)}</div>\n<div class="info">日期：{d10}　浏览次数：'
                f'<span id="hits">{r["views"]}</span>　来源：{E(s)}</div>\n<div class="wz_content">\n{ps}</div>\n'
                f'<div class="fujian">附件：<br>{a(files, "<a href=/uploadfile/{i}.doc>{x}</a><br>")}</div>\n'
                f'<div class="editor">责任编辑：李明</div>\n<div class="dyclose"><a href="javascript:window.print()">[打印]</a> '
                f'<a href="javascript:window.close()">[关闭]</a> <a href="#top">[返回顶部]</a></div>\n'
                f'<div class="sxp">{a(pn, "<div><a href=/news/{i}.html>{x}</a></div>")}</div>\n'
                f'<div class="xgwz"><h4>相关文章</h4><ul>'
                + a(related, "<li><a href=/news/x{i}.html>{x}</a><span>(" + y + "-01-0{i})</span></li>")
                + f'</ul></div></div></div>\n<div id="footer">{a(foot[:2], "<span>{x}</span>", "　")}<br>'
                f'{a(foot[2:4], "<span>{x}</span>", "　")}<br>{a(foot[4:], "<span>{x}</span>", "　")}</div></div>')
        head_extra = ('<script src="/js/showdate.js"></script><script>function showDate(){var d=new Date();'
                      "document.write(d.getFullYear()+'年');}</script>")
        page_title = name  # the <title> is the site name only
        meta = info
    else:  # H4: table layout, body in td.bt_content, 网站地图 | 联系我们 footer
        nav = ["首页", "泉州概况", "政务公开", "新闻中心", "网上办事", "政民互动", "专题专栏", "数据开放"]
        left = ["政府文件", "政府工作报告", "规划计划", "人事任免", "统计信息"]
        news = [f"泉州市召开{y}年全市经济工作会议", "市政府召开第四十二次常务会议", f"泉州市{y}年为民办实事项目确定",
                "我市部署开展安全生产大检查"]
        crumb = ["首页", "政务公开", "政府工作报告"]
        pn = [f"上一条：泉州市{y}年国民经济和社会发展计划执行情况", f"下一条：泉州市{y}年财政预算执行情况"]
        foot = ["网站地图|联系我们|使用帮助|隐私声明", f"主办：{name}办公室", "承办：泉州市大数据服务中心", icp, gongan,
                f"网站标识码：{code}", "您是本站第12345678位访问者"]
        info = f"发布日期：{dm}　　来源：{s}　　点击数：{r['views']}"
        ps = "".join(f'<p align="justify"><font size="3" face="仿宋_GB2312">　　{wtext(x)}</font></p>\n' for x in paras)
        chrome += [*nav, "栏目导航", *left, "最新动态", *news, "您的当前位置：" + "→".join(crumb), "【大中小】",
                   "【收藏】【打印】【关闭】", *pn, *foot, "_trackPageview", "泉州市人民政府门户网站"]
        body = (f'<table width="1002" border="0" align="center" cellpadding="0" cellspacing="0"><tr>'
                f'<td><img src="/images/top.jpg" width="1002" height="150" alt="泉州市人民政府门户网站"></td></tr>'
                f'<tr><td class="top_txt" align="right">泉州市人民政府门户网站</td></tr></table>\n'
                f'<table width="1002" border="0" align="center" cellpadding="0" cellspacing="0" class="nav"><tr><td class="nav_bg">'
                f'{a(nav, "<a href=/{i}/>{x}</a>", " | ")}</td></tr></table>\n'
                f'<table width="1002" border="0" align="center" cellpadding="0" cellspacing="0"><tr>'
                f'<td width="240" valign="top" class="left"><table width="100%"><tr><td class="lm_title">栏目导航</td></tr>'
                f'{a(left, "<tr><td class=lm><a href=/zwgk/{i}/>{x}</a></td></tr>")}'
                f'<tr><td class="lm_title">最新动态</td></tr>{a(news, "<tr><td>·<a href=/xw/{i}.htm>{x}</a></td></tr>")}</table></td>\n'
                f'<td width="10"></td><td valign="top"><table width="100%" border="0" cellspacing="0" cellpadding="0">'
                f'<tr><td class="dqwz">您的当前位置：{a(crumb, sep=" → ")}</td></tr>\n'
                f'<tr><td class="bt_title" align="center"><font color="#CC0000" style="font-size:22px"><b>{E(ttl)}</b></font></td></tr>\n'
                f'<tr><td align="center" class="bt_info">发布日期：{dm}　　来源：{E(s)}　　点击数：<span id="hits">{r["views"]}</span>'
                f'　　【<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>】</td></tr>\n'
                f'<tr><td><hr size="1" color="#cccccc"></td></tr>\n<tr><td class="bt_content">\n{ps}</td></tr>\n'
                f'<tr><td align="right">【<a href="javascript:;">收藏</a>】【<a href="javascript:window.print()">打印</a>】'
                f'【<a href="javascript:window.close()">关闭</a>】</td></tr>\n'
                f'<tr><td class="sxp">{a(pn, "<a href=/zwgk/{i}.htm>{x}</a>", "<br>")}</td></tr></table></td></tr></table>\n'
                f'<table width="1002" border="0" align="center" cellpadding="0" cellspacing="0" class="bottom"><tr><td align="center">'
                f'{a(foot[0].split("|"), "<a href=/{i}.htm>{x}</a>", " | ")}<br>{E(foot[1])}　　{E(foot[2])}<br>'
                f'{E(icp)}　　{E(gongan)}　　{E(foot[5])}<br>您是本站第<font color="red">12345678</font>位访问者</td></tr></table>\n'
                "<script>var _gaq=_gaq||[];_gaq.push(['_trackPageview']);</script>")
        head_extra = ""
        page_title = f"泉州市人民政府门户网站-{ttl}"
        meta = info
    head = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'<title>{E(page_title)}</title>{head_extra}</head>\n')
    article = normalize("\n".join([ttl, meta, *neutral, *paras]))
    chrome = [c for c in dict.fromkeys(chrome) if len(normalize(c)) >= 2 and normalize(c) not in article]
    return f"{head}<body>\n{body}\n</body></html>\n", chrome, neutral


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
        "meta_date": None if header is None else bool(meta) and meta.date in page["doc_dates"],
        "meta": None if header is None else meta and {"title": meta.title, "date": meta.date},
    }


def mean(rows: list[dict], key: str) -> float | None:
    vals = [float(r[key]) for r in rows if r[key] is not None]
    return statistics.fmean(vals) if vals else None


SETS = ("dev", "heldout")


def build_pages(which: str, workdir: Path) -> tuple[list[tuple], list[str], str]:
    """(report, template, path, html, chrome) per page, the templates, and a one-line description."""
    pages = []
    if which == "dev":
        for report in load_reports():
            for t in NAVS:
                markup, chrome = render(t, report)
                path = workdir / f"{report['name']}_{t}.html"
                path.write_text(markup, "utf-8")
                pages.append((report, t, path, markup, chrome))
        return pages, list(NAVS), f"{len(SPECS)} reports x {len(NAVS)} templates"
    for k, report in enumerate(load_extra()):
        for t in H_SITES:
            markup, chrome, _ = render_heldout(t, report, k)
            path = workdir / f"{report['name']}_{t}.html"
            path.write_text(markup, "utf-8")
            pages.append((report, t, path, markup, chrome))
    return pages, list(H_SITES), f"held out: {len(H_SPECS)} reports (../shared/corpus/extra) x {len(H_SITES)} templates"


def run_set(which: str, found: dict, settings: Settings, notes: list[str], workdir: Path) -> dict:
    """Score every extractor on one set and print its tables; returns what --json writes for it."""
    pages, templates, described = build_pages(which, workdir)
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
    set_notes = list(notes)
    if "trafilatura" in found:  # its own date guess (htmldate) against the page date (002: none)
        from trafilatura import extract_metadata as tmeta
        right = sum(tmeta(m).date == (r["date"][:10] if r["date"] else None) for r, _, _, m, _ in pages)
        set_notes.append(f"trafilatura.extract_metadata().date = page date on {right}/{len(pages)} pages")
    print(f"pages: {len(pages)} ({described}); {'; '.join(set_notes)}")
    print("rule: NFKC + whitespace removed; a paragraph / chrome string counts if it is a substring of the output\n")
    cols = ("recall", "recall_chars", "chrome", "title", "date", "meta_title", "meta_date")
    head = f"{'extractor':<33}" + "".join(f"{c.replace('recall_', ''):>11}" for c in cols) + f"{'ms/page':>9}"
    print(head + "\n" + "-" * len(head))
    for variant, rs in rows.items():
        cells = "".join(f"{'n/a' if mean(rs, c) is None else format(mean(rs, c), '.2f'):>11}" for c in cols)
        print(f"{variant:<33}{cells}{timing[variant.removesuffix('+clean')]:9.1f}")
    for a, b in (("recall", "chrome"), ("title", "date")) if which != "dev" else (("recall", "chrome"),):
        print(f"\nper template, {a} / {b}:")
        print(f"{'extractor':<33}" + "".join(f"{t:>14}" for t in templates))
        for variant, rs in rows.items():
            cells = [[r for r in rs if r["template"] == t] for t in templates]
            print(f"{variant:<33}" + "".join(f"{mean(c, a):>7.2f} /{mean(c, b):5.2f}" for c in cells))
    return {"notes": set_notes, "ms_per_page": timing, "results": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=(*SETS, "all"), default="dev",
                    help="dev: the 20 pages of T1-T4 (default); heldout: the 48 pages of H1-H4; all: both")
    ap.add_argument("--json", type=Path, help="write per-page results here")
    ap.add_argument("--keep", type=Path, help="write the generated pages here (else a temp dir)")
    args = ap.parse_args()
    t_start = time.perf_counter()
    settings = Settings()
    found, notes = extractors(settings)
    (workdir := args.keep or Path(tempfile.mkdtemp(prefix="html_bench_"))).mkdir(parents=True, exist_ok=True)
    out = {}
    for i, which in enumerate(SETS if args.set == "all" else (args.set,)):
        if i:
            print("\n" + "=" * 40 + "\n")
        out[which] = run_set(which, found, settings, notes, workdir)
    print(f"\ntotal runtime {time.perf_counter() - t_start:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(out if len(out) > 1 else out[args.set], ensure_ascii=False, indent=1), "utf-8")
    if args.keep is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
