import json, collections, os
D="/work/blind9/docs"
ids=set(); kinds=collections.Counter(); per=collections.Counter(); bad=0
for n,line in enumerate(open(os.path.join(os.path.dirname(__file__),"questions.jsonl"),encoding="utf-8"),1):
    q=json.loads(line)
    assert q["id"] not in ids, q["id"]; ids.add(q["id"])
    kinds[q["kind"]]+=1
    if not q["answerable"]:
        assert q["kind"]=="unanswerable" and not q["expected_facts"] and not q["expected_evidence"] and not q["expected_sources"], q["id"]
        continue
    assert q["expected_facts"] and q["expected_evidence"] and q["expected_sources"], q["id"]
    txt="".join(open(os.path.join(D,s),encoding="utf-8").read() for s in q["expected_sources"])
    for s in q["expected_sources"]: per[s]+=1
    for f in q["expected_facts"]:
        if f not in txt: print("FACT MISSING",q["id"],f); bad+=1
        if not any(f in e for e in q["expected_evidence"]): print("fact not in any evidence",q["id"],f)
    for e in q["expected_evidence"]:
        if e not in txt: print("EVIDENCE MISSING",q["id"],e); bad+=1
print("questions",len(ids),dict(kinds)); print("per doc",dict(per)); print("max per doc",max(per.values()))
print("failures",bad)
