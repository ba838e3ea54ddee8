"""Document metadata of the five sample reports as CORPUS.md states it.

Lets the record-extraction tests run on the raw report files without the rest of ingest; the
integration tests run the same checks on the cleaned text ``prepare_document`` produces.
"""

from __future__ import annotations

from pathlib import Path

from ingest.models import DocumentMeta

_META = {
    "000_6815dfeab2db1bf2.txt": ("阳江市科技创新工作情况", "阳江市", None, "2016-04-25", [2015, 2016], "总结+计划"),
    "001_36a689d0a3f137d4.txt": (
        "江门市加快推进创新驱动发展重点工作方案（2015-2017年）", "江门市", None, "2015-12-07",
        [2015, 2016, 2017], "方案",
    ),
    "002_a295750ddb2d6bca.txt": ("2022年阳江市科技工作要点", "阳江市", None, None, [2022], "要点"),
    "003_9713f358d5aa3b1f.txt": ("2015年工作总结和2016年工作计划", "赣榆区", "连云港市", "2015-12-08", [2015, 2016], "总结+计划"),
    "004_4757f8428a5e4ec7.txt": (
        "中山市科学技术局2018年工作总结及2019年工作计划", "中山市", None, "2019-03-22", [2018, 2019], "总结+计划",
    ),
}


def sample_meta(path: Path) -> DocumentMeta:
    title, region, parent, date, years, doc_type = _META[path.name]
    return DocumentMeta(
        doc_id=path.stem, source=path.name, path=str(path), title=title, issuer=None,
        region=region, parent_region=parent, province=None, date=date, years=years,
        doc_type=doc_type,
    )
