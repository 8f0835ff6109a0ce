"""Demo articles and reply templates for the knowledge base (DEMO_MODE only; docs/knowledge.md).

Written for the demo from the laws they cite; a real bureau replaces them with its own. Seeded once, into
an empty knowledge base: an article or template an operator has since written is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from services.intake.domain.knowledge import Article, ArticleContent, ArticleStatus, Reader, ReplyTemplate
from services.intake.service_layer.uow import IntakeUnitOfWork
from shared.clock import SHANGHAI

log = logging.getLogger(__name__)

SEEDED_BY = "seed"
NOISE_LAW = "《中华人民共和国噪声污染防治法》"
AIR_LAW = "《中华人民共和国大气污染防治法》"

# (department, status, category, subcategory, days to the review date, title, question, answer, basis, keywords)
ARTICLES: tuple[tuple[str, ArticleStatus, str | None, str | None, int, str, str, str, str, tuple[str, ...]], ...] = (
    ("ecology_env", ArticleStatus.public, "noise", "construction", 120,
     "夜间施工噪声投诉的处理时限",
     "晚上工地还在施工，投诉以后多久有人处理？",
     "夜间是指晚上十点至次日早晨六点。在噪声敏感建筑物集中区域，夜间禁止进行产生噪声的建筑施工作业，"
     "抢修、抢险和因生产工艺要求必须连续施工的除外，连续施工须取得证明并在现场公示。\n"
     "您的投诉受理后，一个工作日内交办至承办单位（建筑工地一般为区住房城乡建委，市政道路工程为区城市管理局），"
     "承办单位一个工作日内签收，五个工作日内答复；正在发生、持续扰民的，按紧急件办理，24 小时内答复。"
     "夜间施工正在进行时，也可拨打 110 请公安机关到场制止。",
     f"{NOISE_LAW}第四十三条、第八十八条", ("夜间施工", "工地", "打桩", "噪音", "扰民", "多久", "时限", "凌晨")),
    ("public_security", ArticleStatus.public, "noise", "social_life", 180,
     "噪声扰民由哪个部门执法",
     "楼上装修、广场舞、KTV 太吵，该找谁？",
     "不同来源的噪声由不同部门管理：\n"
     "· 社会生活噪声（家庭聚会、室内装修、广场舞、娱乐场所、商铺高音喇叭等）由公安机关依照治安管理处罚法处理，"
     "正在发生时请直接拨打 110；\n"
     "· 建筑施工噪声由住房城乡建设部门（市政工程由城市管理部门）处理；\n"
     "· 工业企业噪声由生态环境部门处理；\n"
     "· 交通运输噪声按道路、铁路、航道分别由交通、公安交管等部门处理。\n"
     "拨打 12345 或本热线反映的，我们会按来源转交对应部门。",
     f"{NOISE_LAW}第五章（社会生活噪声污染防治）；《中华人民共和国治安管理处罚法》关于制造噪声干扰他人正常生活的规定",
     ("社会生活噪声", "装修", "广场舞", "KTV", "酒吧", "喇叭", "楼上", "邻居", "110", "执法部门")),
    ("urban_management", ArticleStatus.public, "odor", "cooking_fumes", 90,
     "餐饮油烟扰民怎么处理",
     "楼下饭店油烟很大，窗户都不敢开，能管吗？",
     "排放油烟的餐饮服务经营者应当安装油烟净化设施并保持正常使用，或者采取其他油烟净化措施，达标排放。"
     "居民住宅楼、未配套设立专用烟道的商住综合楼，以及商住综合楼内与居住层相邻的商业楼层内，"
     "不得新建、改建、扩建产生油烟、异味、废气的餐饮服务项目。\n"
     "餐饮油烟由区城市管理局（综合执法）查处：受理后交办，五个工作日内答复。请尽量说明店名、具体地址和油烟最大的时段。",
     f"{AIR_LAW}第八十一条、第一百一十八条", ("油烟", "饭店", "餐馆", "烧烤", "烟道", "排烟", "厨房", "熏")),
    ("ecology_env", ArticleStatus.internal, "noise", None, 10,
     "话务口径：噪声类来电如何分流",
     "噪声类来电，哪些可以直接答复办结，哪些必须登记交办？",
     "只问政策、时限、主管部门的，用公开条目答复后「直接办结」，不生成投诉。\n"
     "反映具体地点、具体噪声源且希望处理的，必须登记为投诉（有地址、时段），由系统交办；不得以咨询办结。\n"
     "噪声正在发生且为社会生活噪声的，提示来电人同时拨打 110。",
     "《合川区生态环境投诉受理工作规程》（内部）", ("分流", "咨询", "直接办结", "噪声", "登记")),
    ("ecology_env", ArticleStatus.internal, "waste", "hazardous", -5,
     "危险废物非法倾倒的应急处置流程",
     "来电反映有人倾倒桶装化学品，怎么处理？",
     "按紧急件登记（勾选「紧急」），地址尽量精确到路口或参照物，询问是否有刺鼻气味、液体流入水体。"
     "登记后电话告知区生态环境局值班室；有人员不适的，提示来电人拨打 120、119。",
     "《中华人民共和国固体废物污染环境防治法》第一百一十二条", ("危废", "倾倒", "化学品", "桶", "应急")),
    ("housing_construction", ArticleStatus.draft, "noise", "construction", 30,
     "夜间连续施工证明的公示要求（草稿）",
     "工地说有夜间施工证明，怎么核实？",
     "夜间连续施工证明由区住房城乡建委出具，施工单位须在现场显著位置公示证明的施工时段和范围。"
     "公示内容与实际施工不符的，按无证夜间施工处理。",
     f"{NOISE_LAW}第四十三条", ("夜间施工证明", "公示", "连续施工")),
)

# (name, category, subcategory, body, legal basis)
TEMPLATES: tuple[tuple[str, str | None, str | None, str, str | None], ...] = (
    ("建筑施工噪声·已责令整改", "noise", "construction",
     "您好！您于{received_at}反映的{town}{address}建筑施工噪声问题（查询码 {tracking_code}），"
     "{department}已到现场核查。"
     "经查，该工地存在夜间施工作业情况，我单位已责令施工单位立即停止夜间施工，并将在后续夜间不定期巡查。"
     "如再次发生，请及时反映。感谢您对生态环境工作的支持！",
     f"{NOISE_LAW}第四十三条"),
    ("餐饮油烟·已责令安装净化设施", "odor", "cooking_fumes",
     "您好！您于{received_at}反映的{town}{address}餐饮油烟扰民问题（查询码 {tracking_code}），{department}已于{today}"
     "完成现场检查，已责令经营者限期安装（或清洗）油烟净化设施并保持正常使用，到期将复查。感谢您的监督！",
     f"{AIR_LAW}第八十一条"),
    ("通用·已受理正在办理", None, None,
     "您好！您于{received_at}反映的{type}问题（查询码 {tracking_code}）已由{department}办理，"
     "我们将依法依规处理并及时答复。",
     None),
)


def seed_demo_knowledge(uow_factory: Callable[[], IntakeUnitOfWork]) -> int:
    """The demo articles and templates, into an empty knowledge base only; returns how many were added."""
    added = 0
    with uow_factory() as uow:
        now = uow.clock.now()
        today = now.astimezone(SHANGHAI).date()
        author = Reader("admin", username=SEEDED_BY)
        if uow.articles.stamp()[0] == 0:
            for department, status, category, subcategory, days, title, question, answer, basis, words in ARTICLES:
                content = ArticleContent(title=title, question=question, answer=answer, department=department,
                                         status=status, category=category, subcategory=subcategory,
                                         legal_basis=basis, keywords=words, review_by=today + timedelta(days=days))
                uow.articles.add(Article.write(content, by=author, at=now, known_department=True))
                added += 1
        if not uow.reply_templates.every():
            for name, category, subcategory, body, quoted in TEMPLATES:
                uow.reply_templates.add(ReplyTemplate.write(name=name, body=body, category=category,
                                                            subcategory=subcategory, legal_basis=quoted,
                                                            by=SEEDED_BY, at=now))
                added += 1
        uow.commit()
    if added:
        log.info("seeded %d demo knowledge articles and reply templates", added)
    return added
