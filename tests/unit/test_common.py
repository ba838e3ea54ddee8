from pathlib import Path

from common.errors import EmbedderMismatchError, PolicyQAError, StoreError
from common.settings import load_settings
from common.textnorm import contains, normalize


def test_settings_read_nested_env_and_store_wins(monkeypatch):
    monkeypatch.setenv("POLICYQA_HOME", "/tmp/from-env")
    monkeypatch.setenv("POLICYQA_RETRIEVAL__K", "7")
    monkeypatch.setenv("POLICYQA_EMBEDDING__BACKEND", "sentence-transformers")
    s = load_settings()
    assert s.home == Path("/tmp/from-env")
    assert s.retrieval.k == 7
    assert s.embedding.backend == "sentence-transformers"
    assert load_settings(store="/tmp/cli").home == Path("/tmp/cli")


def test_default_store_is_local_dot_policyqa():
    assert load_settings().home == Path(".policyqa")


def test_errors_carry_hint_and_hierarchy():
    err = EmbedderMismatchError("store built with e5", hint="re-index")
    assert isinstance(err, StoreError) and isinstance(err, PolicyQAError)
    assert "hint: re-index" in str(err)


def test_matching_rule_nfkc_and_whitespace():
    assert normalize("５０ ％\n") == "50%"
    assert contains("补贴支出费用的 50%", "补贴支出费用的５０％")
    assert not contains("补贴支出费用的30%", "50%")
    assert not contains("anything", "   ")
