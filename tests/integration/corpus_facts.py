"""Facts about the sample corpus that tests check (from ../shared/CORPUS.md)."""

from __future__ import annotations

# What a correct ingest finds for the five sample reports.
EXPECTED = {
    "000_6815dfeab2db1bf2.txt": dict(
        title="阳江市科技创新工作情况", issuer="阳江市科学技术局", region="阳江市",
        date="2016-04-25", years=[2015, 2016], doc_type={"总结", "计划"},
    ),
    "001_36a689d0a3f137d4.txt": dict(
        title="江门市加快推进创新驱动发展重点工作方案（2015-2017年）", issuer="江门市科学技术局",
        region="江门市", date="2015-12-07", years=[2015, 2016, 2017], doc_type={"方案"},
    ),
    "002_a295750ddb2d6bca.txt": dict(  # no title line, no issuer: nothing made up
        title="002_a295750ddb2d6bca", issuer=None, region="阳江市", date=None, years=[2022],
        doc_type={"要点"}, provenance={"title": "unknown", "issuer": "unknown", "region": "inferred",
                                       "date": "unknown", "years": "inferred", "doc_type": "inferred"},
    ),
    "003_9713f358d5aa3b1f.txt": dict(
        title="2015年工作总结和2016年工作计划", region="赣榆区", parent_region="连云港市",
        date="2015-12-08", years=[2015, 2016], doc_type={"总结", "计划"},
    ),
    "004_4757f8428a5e4ec7.txt": dict(
        title="中山市科学技术局2018年工作总结及2019年工作计划", issuer="中山市科学技术局",
        region="中山市", date="2019-03-22", years=[2018, 2019], doc_type={"总结", "计划"},
    ),
}
