"""`python -m bench.knowledge_search [ARTICLES]`: how fast the knowledge base's search is (docs/knowledge.md).

Builds the in-memory index over made-up articles (the demo seed's, repeated with numbered titles and
shuffled answers, so most articles match most queries: a worse case than a real knowledge base), then times
searches of callers' sentences and a rebuild after one article changed (the others' words are reused).
Prints the figures; asserts nothing.
"""

from __future__ import annotations

import copy
import random
import statistics
import sys
import time
from datetime import datetime

from services.intake.domain.knowledge import Article, ArticleContent, Reader
from services.intake.domain.knowledge_search import KnowledgeIndex, words
from services.intake.knowledge_seed import ARTICLES
from shared.clock import SHANGHAI

QUERIES = ["我家楼下饭店油烟太大了窗户都不敢开", "晚上工地一直在打桩投诉了多久能处理", "楼上邻居装修太吵归哪个部门管",
           "工地扬", "有人在河边倾倒桶装化学品"]
AUTHOR = Reader("admin", username="bench")


def made_up(count: int, at: datetime) -> list[Article]:
    rng = random.Random(7)
    answers = [a[7] for a in ARTICLES]
    found = []
    for n in range(count):
        department, status, category, subcategory, _days, title, question, _answer, basis, keywords = \
            ARTICLES[n % len(ARTICLES)]
        answer = "".join(rng.sample(answers, 2))
        content = ArticleContent(title=f"{title}（{n}）", question=question, answer=answer, department=department,
                                 status=status, category=category, subcategory=subcategory, legal_basis=basis,
                                 keywords=keywords)
        found.append(Article.write(content, by=AUTHOR, at=at, known_department=True))
    return found


def main(count: int = 1000) -> None:
    words("预热")  # jieba's dictionary loads once per process (about a second), not counted
    at = datetime(2026, 11, 26, tzinfo=SHANGHAI)
    articles = made_up(count, at)
    started = time.perf_counter()
    index = KnowledgeIndex(articles)
    build = time.perf_counter() - started
    timings = []
    for _ in range(40):
        for query in QUERIES:
            started = time.perf_counter()
            index.search(query, limit=5)
            timings.append(time.perf_counter() - started)
    timings.sort()
    changed = [copy.copy(a) for a in articles]  # the same articles as read again, one of them changed
    changed[0].revise(ArticleContent(title="改过的标题", question="", answer="新的答复", department="ecology_env"),
                      by=AUTHOR, at=at, known_department=True)
    started = time.perf_counter()
    KnowledgeIndex(changed, previous=index)
    rebuild = time.perf_counter() - started
    print(f"{count} articles: index built in {build * 1000:.0f} ms; "
          f"rebuilt after one change in {rebuild * 1000:.1f} ms")
    print(f"search ({len(timings)} queries): median {statistics.median(timings) * 1000:.2f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
