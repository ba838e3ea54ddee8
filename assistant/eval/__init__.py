"""Evaluation of PolicyQA against question sets (``policyqa eval``), with baselines.

Modules: ``questions`` (reading JSONL sets), ``answerers`` (the Answerer protocol and PolicyQA's
adapter), ``baselines`` (naive Chatchat-style RAG, BM25 only), ``metrics`` (scoring),
``runner`` (the loop), ``report`` / ``chart`` (JSON, Markdown, HTML), ``diff`` (two runs),
``terminal`` (what the CLI prints), ``factory`` (building the systems from settings).
"""

from assistant.eval.answerers import Answerer, Attempt, PolicyQAAnswerer, RetrievedPassage
from assistant.eval.metrics import QuestionResult, aggregate, score_question
from assistant.eval.questions import Question, QuestionSet, load_questions
from assistant.eval.runner import EvalRun, SystemRun, run_eval

__all__ = [
    "Answerer",
    "Attempt",
    "EvalRun",
    "PolicyQAAnswerer",
    "Question",
    "QuestionResult",
    "QuestionSet",
    "RetrievedPassage",
    "SystemRun",
    "aggregate",
    "load_questions",
    "run_eval",
    "score_question",
]
