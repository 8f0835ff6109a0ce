"""Handlers: plain functions `(message, uow, **ports)`. A command handler loads an aggregate, calls the
domain and commits (the events the aggregates recorded go out with the rows); a query handler reads
and never commits. Both answer with a view (a dict ready for JSON).

The tables at the bottom (`EVENT_HANDLERS`, `COMMAND_HANDLERS`) are the whole map of what routing does.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

from services.routing.domain import followups
from services.routing.domain.case import OPEN, SYSTEM, Case, Photo
from services.routing.domain.commands import (
    AcceptCase,
    AddReplyPhoto,
    AssignCase,
    AssistQueue,
    AssistQueueVersion,
    Backlog,
    BacklogVersion,
    CaseDetail,
    ChangeRule,
    Classify,
    DecideExtension,
    DefineDepartment,
    DefineRule,
    DepartmentQueue,
    DryRunRules,
    DuplicateCandidates,
    ForwardCase,
    GetPublishedPhoto,
    GetReplyPhoto,
    GiveToLeader,
    ListDepartments,
    ListRules,
    MergeCase,
    PendingExtensions,
    PendingExtensionsVersion,
    QueueVersion,
    RejectCase,
    ReplyAssist,
    ReplyCase,
    RequestAssist,
    RequestExtension,
    ReturnCase,
    RuleHistory,
    TransferCase,
    TriageList,
    UpdateDepartment,
)
from services.routing.domain.deadlines import DeadlinePolicy, pick_limit
from services.routing.domain.duplicates import DuplicatePolicy, Match, Probe, bounding_box, matches
from services.routing.domain.errors import (
    CaseNotFound,
    DepartmentNotFound,
    IllegalTransition,
    InvalidRequest,
    NotYourDepartment,
)
from services.routing.domain.incidents import assess_incident
from services.routing.domain.pauses import SuspensionLimits
from services.routing.domain.routing import route
from services.routing.service_layer import (
    firms,
    incidents,
    inspections,
    investigations,
    pauses,
    petitions,
    rewards,
    rules,
    views,
)
from services.routing.service_layer import followups as followup_handlers
from services.routing.service_layer.analysis import analyse
from services.routing.service_layer.loading import load_case as _load
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.auth import ANONYMOUS, mask_phone
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.codes import TOWNS, TRIAGE, is_known_type
from shared.contracts.events import (
    CallbackCompletedV1,
    ComplaintAnonymisedV1,
    ComplaintRatedV1,
    ComplaintReceivedV1,
    EventPayload,
    InvestigationSignedOffV1,
    SessionsEndedV1,
    UpstreamCaseLinkedV1,
)
from shared.errors import TooLarge, UnsupportedMedia
from shared.filestore import SNIFF_BYTES, is_image, sniff
from shared.scrub import scrub
from shared.sessions import record_ended_sessions

MANUAL = "manual"  # the rule recorded when a supervisor routes by hand

View = dict[str, Any]


class FileStore(Protocol):
    """Where reply photos' bytes live (shared/filestore.py: a folder or an S3 bucket, part "replies")."""

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...


PHOTO_MAX_BYTES = 10 * 1024 * 1024


class TopicAdmin(Protocol):
    """Creates topics on the process's event bus (a new department's dispatch topic)."""

    def ensure_topics(self, topics: Iterable[str] | None = None) -> None: ...


# --- events ---------------------------------------------------------------------------------------


def route_complaint(event: ComplaintReceivedV1, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy,
                    min_confidence: float, duplicates: DuplicatePolicy) -> None:
    """A complaint arrived: classify it, then assign it to a department or send it to triage."""
    if uow.cases.get(event.complaint_id) is not None:
        return  # routed before: the same complaint delivered again under another event id
    now = uow.clock.now()
    received_at = event.received_at if event.received_at.tzinfo else event.received_at.replace(tzinfo=SHANGHAI)
    found = analyse(uow, event.content, address=event.address, town=event.town, category=event.category,
                    subcategory=event.subcategory, urgent=event.urgent, min_confidence=min_confidence)
    limit = pick_limit(uow.limits.all(), found.classification.category, found.urgency.urgent)
    case = Case(
        complaint_id=event.complaint_id, tracking_code=event.tracking_code, channel=event.channel,
        content=event.content, received_at=received_at, assign_due=deadlines.assign_due(received_at, limit),
        category=found.classification.category, subcategory=found.classification.subcategory,
        town=found.town.code if found.town else None, address=event.address, urgent=found.urgency.urgent,
        reporter_phone_masked=_masked(event.reporter_phone_masked),
        confidence=found.classification.confidence, explanation=found.explanation(), lat=event.lat, lon=event.lon,
    )
    _suggest_master(uow, case, duplicates)
    decision = found.decision
    if decision.department is None or case.category is None:
        case.send_to_triage(reason=decision.reason, at=now)
    else:
        _assign(uow, case, department=decision.department, category=case.category, subcategory=case.subcategory,
                rule=decision.rule.label if decision.rule else decision.reason, by=SYSTEM, deadlines=deadlines)
    case.flag_incident(assess_incident(event.content), at=now)  # 疑似突发环境事件 (domain/incidents.py)
    uow.cases.add(case)
    uow.commit()


# --- commands -------------------------------------------------------------------------------------


def assign_case(command: AssignCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """人工分拨: a supervisor routes a triaged (or returned) case."""
    case = _load(uow, command.complaint_id, None)
    if command.department not in uow.departments.active():
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {command.department}")
    category = command.category or case.category
    subcategory = command.subcategory if command.category else (command.subcategory or case.subcategory)
    if category is None:
        raise InvalidRequest("请选择问题类型 / choose the complaint type (category)")
    if not is_known_type(category, subcategory):
        raise InvalidRequest(f"未知的问题类型 / unknown type: {category}/{subcategory}")
    _assign(uow, case, department=command.department, category=category, subcategory=subcategory,
            rule=MANUAL, by=command.actor, deadlines=deadlines)
    uow.commit()
    return views.case_view(uow, case)


def accept_case(command: AcceptCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """签收: the 督办 clocks of signing start (首次联系, 现场核查: the type's time limits, domain/followups.py)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    contact_due, onsite_due = deadlines.after_signing(now, pick_limit(uow.limits.all(), case.category, case.urgent),
                                                      contactable=followups.contactable(case))
    case.accept(by=command.actor, at=now, contact_due=contact_due, onsite_due=onsite_due)
    uow.commit()
    return views.case_view(uow, case)


def reply_case(command: ReplyCase, uow: RoutingUnitOfWork) -> View:
    """回复 (implies 签收 when the case had not been signed for)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    if (refusal := investigations.reply_refusal(uow, case, command.reply)) is not None:  # 调查处理: its finding
        raise IllegalTransition(refusal)
    case.reply(command.reply, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def return_case(command: ReturnCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """退单: back to triage with a new assignment deadline; the misrouting rule is recorded."""
    case = _load(uow, command.complaint_id, command.acting_for)
    now = uow.clock.now()
    limit = pick_limit(uow.limits.all(), case.category, case.urgent)
    case.return_case(command.reason, by=command.actor, at=now, assign_due=deadlines.assign_due(now, limit))
    _reroute(uow, case, deadlines)
    uow.commit()
    return views.case_view(uow, case)


def reject_case(command: RejectCase, uow: RoutingUnitOfWork) -> View:
    """不予受理 (a triaged case): the citizen reads the reason; the case leaves every target."""
    case = _load(uow, command.complaint_id, None)
    case.reject(command.reason, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def forward_case(command: ForwardCase, uow: RoutingUnitOfWork) -> View:
    """转办 (a triaged case that is not the bureau's) to the body that handles it."""
    case = _load(uow, command.complaint_id, None)
    case.forward(command.body, note=command.note, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def transfer_case(command: TransferCase, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """改派: a supervisor moves a case to another department, which gets fresh deadlines."""
    case = _load(uow, command.complaint_id, None)
    if command.department not in uow.departments.active():
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {command.department}")
    now = uow.clock.now()
    due = deadlines.after_assignment(now, pick_limit(uow.limits.all(), case.category, case.urgent))
    case.transfer(department=command.department, reason=command.reason, by=command.actor, at=now, deadlines=due)
    uow.commit()
    return views.case_view(uow, case)


def merge_case(command: MergeCase, uow: RoutingUnitOfWork) -> View:
    """并单: the duplicate is handled as its master. Both rows are locked in one order (the smaller id
    first), so two people merging the same pair the other way round cannot deadlock."""
    if command.complaint_id == command.master_id:
        raise InvalidRequest("不能与自身并单 / a case cannot be merged into itself")
    first, second = sorted((command.complaint_id, command.master_id))
    locked = {first: uow.cases.get(first, for_update=True), second: uow.cases.get(second, for_update=True)}
    duplicate, master = locked[command.complaint_id], locked[command.master_id]
    for case, wanted in ((duplicate, command.complaint_id), (master, command.master_id)):
        if case is None or (command.acting_for is not None and case.department != command.acting_for):
            raise CaseNotFound(f"没有这个案件 / no such case: {wanted}")
    assert duplicate is not None and master is not None
    if master.merged_into is not None:
        raise InvalidRequest(f"{master.tracking_code} 已并入其他案件，请并入其主案件 / that case is merged "
                             "itself: merge into its master")
    if uow.cases.merged_into(duplicate.complaint_id):
        raise InvalidRequest(f"{duplicate.tracking_code} 已有并入的重复件，不能再并入其他案件 / a case with "
                             "duplicates of its own cannot be merged; merge the other way round")
    duplicate.merge_into(master, reason=command.reason, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, duplicate)


def request_assist(command: RequestAssist, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy,
                   assist_days: int) -> View:
    """协办: each department asked gets its own deadline (working days from now, never after the lead's)."""
    case = _load(uow, command.complaint_id, command.acting_for)
    active = uow.departments.active()
    unknown = [d for d in command.departments if d not in active]
    if unknown:
        raise InvalidRequest(f"没有这个部门 / unknown or inactive department: {', '.join(unknown)}")
    now = uow.clock.now()
    due = deadlines.extend(now, assist_days)
    if case.reply_due is not None:
        due = min(due, case.reply_due)
    for department in dict.fromkeys(command.departments):
        case.request_assist(department, due=due, note=command.note, by=command.actor, at=now)
    uow.commit()
    return views.case_view(uow, case)


def reply_assist(command: ReplyAssist, uow: RoutingUnitOfWork) -> View:
    """协办意见 to the lead; a dispatcher answers for the own department only."""
    if command.department is None:
        raise InvalidRequest("请指定协办部门 / name the assisting department (department)")
    case = uow.cases.get(command.complaint_id, for_update=True)
    if case is None or (command.acting_for is not None and (command.department != command.acting_for
                                                            or not case.assisted_by(command.acting_for))):
        raise CaseNotFound(f"没有这个案件 / no such case: {command.complaint_id}")
    case.reply_assist(command.department, command.reply, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def give_to_leader(command: GiveToLeader, uow: RoutingUnitOfWork) -> View:
    """领导包案"""
    case = _load(uow, command.complaint_id, None)
    case.give_to_leader(command.leader, command.plan, by=command.actor, at=uow.clock.now())
    uow.commit()
    return views.case_view(uow, case)


def add_reply_photo(command: AddReplyPhoto, uow: RoutingUnitOfWork, *, photos: FileStore) -> View:
    """办理照片: a JPEG, PNG or WebP (judged from its bytes) for the current round's reply. The bytes are
    stored first: a failed commit leaves an unreferenced file, never a row without its file."""
    case = _load(uow, command.complaint_id, command.acting_for)
    kind = sniff(command.data[:SNIFF_BYTES])
    if kind is None or not is_image(kind):
        raise UnsupportedMedia("只能上传 JPEG、PNG 或 WebP 照片 / only JPEG, PNG or WebP photos")
    if len(command.data) > PHOTO_MAX_BYTES:
        raise TooLarge(f"照片不能超过 {PHOTO_MAX_BYTES // (1024 * 1024)} MB / a photo may be at most "
                       f"{PHOTO_MAX_BYTES // (1024 * 1024)} MB")
    if case.department is None:
        raise InvalidRequest("案件尚未交办 / the case has no department yet")
    now = uow.clock.now()
    case.add_photo(Photo(str(uuid.uuid4()), case.reply_round, case.department, "", kind, len(command.data),
                         hashlib.sha256(command.data).hexdigest(), command.actor, now), by=command.actor, at=now)
    case.photos[-1].key = photos.put(command.data)
    uow.commit()
    return views.photo_view(case.photos[-1])


def get_reply_photo(query: GetReplyPhoto, uow: RoutingUnitOfWork, *, photos: FileStore) -> tuple[str, bytes]:
    case = _readable(uow, query.complaint_id, query.acting_for)
    photo = next((p for p in case.photos if p.id == query.photo_id), None)
    if photo is None:
        raise CaseNotFound(f"没有这张照片 / no such photo: {query.photo_id}")
    return photo.content_type, photos.get(photo.key)


def get_published_photo(query: GetPublishedPhoto, uow: RoutingUnitOfWork, *, photos: FileStore
                        ) -> tuple[str, bytes]:
    """办理照片 as the citizen sees them with the reply: unknown ids and photos of a reply not sent yet alike
    are 'no such photo'."""
    owner = uow.cases.photo_owner(query.photo_id)
    case = uow.cases.get(owner) if owner is not None else None
    photo = case.published_photo(query.photo_id) if case is not None else None
    if photo is None:
        raise CaseNotFound(f"没有这张照片 / no such photo: {query.photo_id}")
    return photo.content_type, photos.get(photo.key)


def request_extension(command: RequestExtension, uow: RoutingUnitOfWork, *, max_extension_days: int) -> View:
    """延期申请"""
    case = _load(uow, command.complaint_id, command.acting_for)
    case.request_extension(command.working_days, command.reason, by=command.actor, at=uow.clock.now(),
                           max_days=max_extension_days)
    uow.commit()
    return views.case_view(uow, case)


def decide_extension(command: DecideExtension, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    """延期审批: approved moves the reply deadline by the working days asked."""
    case = _load(uow, command.complaint_id, None)
    pending = case.pending_extension
    moved = None
    if command.approve and pending is not None and case.reply_due is not None:
        moved = deadlines.extend(case.reply_due, pending.working_days)
    case.decide_extension(approved=command.approve, by=command.actor, at=uow.clock.now(), moved_reply_due=moved)
    uow.commit()
    return views.case_view(uow, case)


def define_department(command: DefineDepartment, uow: RoutingUnitOfWork, *, topic_admin: TopicAdmin) -> View:
    """新增承办单位: into the directory, its dispatch topic created, the directory published."""
    directory = uow.departments.directory(for_update=True)
    department = directory.define(command.code, command.name, command.kind, at=uow.clock.now())
    topic_admin.ensure_topics([topics.dispatch(department.code)])  # before the first work order can exist
    uow.commit()
    return views.department_view(department)


def update_department(command: UpdateDepartment, uow: RoutingUnitOfWork, *, topic_admin: TopicAdmin) -> View:
    directory = uow.departments.directory(for_update=True)
    department = directory.update(command.code, name=command.name, active=command.active, at=uow.clock.now())
    if department.active:
        topic_admin.ensure_topics([topics.dispatch(department.code)])
    uow.commit()
    return views.department_view(department)


# --- queries (no commit) --------------------------------------------------------------------------


def department_queue(query: DepartmentQueue, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    _check_queue(uow, query.department, query.acting_for)
    if query.due is not None and not set(query.statuses) <= set(OPEN):
        raise InvalidRequest("已回复的案件没有进行中的期限，不能按临期/超期筛选 / "
                             "replied cases have no running deadline to filter by")
    if not is_known_type(query.category, query.subcategory):
        raise InvalidRequest(f"未知的问题类型 / unknown type: {query.category}/{query.subcategory}")
    if query.town is not None and query.town not in uow.towns.all():
        raise InvalidRequest(f"没有这个镇街 / no such town: {query.town}")
    return views.department_queue(uow, query, deadlines)


def queue_version(query: QueueVersion, uow: RoutingUnitOfWork) -> View:
    if query.department is not None:
        _check_queue(uow, query.department, query.acting_for)
    elif query.acting_for is not None:
        raise NotYourDepartment("只能查看本部门的案件 / you may only see your own department's queue")
    category, subcategory, town = query.where
    found = uow.cases.fingerprint(statuses=query.statuses, department=query.department, page=query.page,
                                  **({"category": category, "subcategory": subcategory, "town": town}
                                     if query.page is not None else {}))
    return {"version": views.version(found, query.department, query.statuses, query.filters, _minute(uow))}


def case_detail(query: CaseDetail, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy,
                max_extension_days: int, suspension_limits: SuspensionLimits = SuspensionLimits()) -> View:
    case = _readable(uow, query.complaint_id, query.acting_for)
    return views.case_detail(uow, case, deadlines, max_extension_days, suspension_limits)


def triage_list(query: TriageList, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    return views.triage_list(uow, deadlines, query.limit, query.offset)


def pending_extensions(query: PendingExtensions, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    return views.pending_extensions(uow, deadlines, query.limit, query.offset)


def pending_extensions_version(query: PendingExtensionsVersion, uow: RoutingUnitOfWork) -> View:
    return {"version": views.version(uow.cases.extensions_fingerprint(), query.limit, query.offset, _minute(uow))}


def assist_queue_version(query: AssistQueueVersion, uow: RoutingUnitOfWork) -> View:
    _check_queue(uow, query.department, query.acting_for)
    found = uow.cases.assisting_fingerprint(query.department, statuses=query.statuses, limit=query.limit,
                                            offset=query.offset)
    return {"version": views.version(found, query.department, query.statuses, query.limit, query.offset,
                                     _minute(uow))}


def backlog_version(query: BacklogVersion, uow: RoutingUnitOfWork, *, backlog_days: int) -> View:
    found = uow.cases.backlog_fingerprint(uow.clock.now(), days=backlog_days, leader=query.leader,
                                          limit=query.limit, offset=query.offset)
    return {"version": views.version(found, backlog_days, query.leader, query.limit, query.offset, _minute(uow))}


def assist_queue(query: AssistQueue, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy) -> View:
    _check_queue(uow, query.department, query.acting_for)
    return views.assist_queue(uow, query, deadlines)


def backlog(query: Backlog, uow: RoutingUnitOfWork, *, deadlines: DeadlinePolicy, backlog_days: int) -> View:
    return views.backlog(uow, query, deadlines, backlog_days)


def duplicate_candidates(query: DuplicateCandidates, uow: RoutingUnitOfWork, *, duplicates: DuplicatePolicy) -> View:
    case = uow.cases.get(query.complaint_id)
    if case is None or (query.acting_for is not None and (case.department or TRIAGE) != query.acting_for):
        raise CaseNotFound(f"没有这个案件 / no such case: {query.complaint_id}")
    found = _duplicates(uow, case, duplicates)
    if query.acting_for is not None:  # a dispatcher merges within the own department only
        found = [m for m in found if m.candidate.department == query.acting_for]
    return {"complaint_id": case.complaint_id, "suggested": case.duplicate_of,
            "candidates": [m.view() for m in found[:10]]}


def classify(query: Classify, uow: RoutingUnitOfWork, *, min_confidence: float) -> View:
    return views.classify_text(uow, query.content, query.address, min_confidence=min_confidence)


def list_departments(_query: ListDepartments, uow: RoutingUnitOfWork) -> View:
    return views.departments(uow)


# --- helpers --------------------------------------------------------------------------------------


def _readable(uow: RoutingUnitOfWork, complaint_id: str, acting_for: str | None) -> Case:
    """The case to read (its detail, its photos): a dispatcher reads the own department's cases (triage's
    when acting for triage) and those the department is asked to assist; anything else is not found."""
    case = uow.cases.get(complaint_id)
    if case is None or (acting_for is not None and (case.department or TRIAGE) != acting_for
                        and not case.assisted_by(acting_for)):
        raise CaseNotFound(f"没有这个案件 / no such case: {complaint_id}")
    return case


def _check_queue(uow: RoutingUnitOfWork, department: str, acting_for: str | None) -> None:
    if acting_for is not None and acting_for != department:
        raise NotYourDepartment("只能查看本部门的案件 / you may only see your own department's queue")
    if not uow.departments.exists(department):
        raise DepartmentNotFound(f"没有这个部门 / no such department: {department}")


def _minute(uow: RoutingUnitOfWork) -> str:
    return uow.clock.now().replace(second=0, microsecond=0).isoformat()


def reopen_if_unsatisfied(event: ComplaintRatedV1 | CallbackCompletedV1, uow: RoutingUnitOfWork, *,
                          deadlines: DeadlinePolicy) -> None:
    """重办: an unsatisfied rating of the current reply (the citizen's own, or a phone callback's) sends the
    case back to the department that replied, with new deadlines; other ratings change nothing here."""
    if isinstance(event, CallbackCompletedV1):
        rating, via, comment = event.outcome, "phone_callback", event.note
    else:
        rating, via, comment = event.rating, event.via, event.comment
    if rating != "unsatisfied":
        return
    case = uow.cases.get(event.complaint_id, for_update=True)
    if case is None:
        return  # a complaint routing never routed (history): nothing to reopen
    now = uow.clock.now()
    due = deadlines.after_assignment(now, pick_limit(uow.limits.all(), case.category, case.urgent))
    if case.reopen(rated_round=event.reply_round, via=via, comment=comment, at=now, deadlines=due):
        uow.commit()


def anonymise_case(event: ComplaintAnonymisedV1, uow: RoutingUnitOfWork) -> None:
    """保存期限: intake anonymised the complaint; routing's copy loses the same personal data."""
    case = uow.cases.get(event.complaint_id, for_update=True)
    changed = case is not None and case.anonymise(scrub, at=event.anonymised_at)
    if uow.scrub_event_log([event.complaint_id], scrub) or changed:  # and the events routing logged about it
        uow.commit()


def _duplicates(uow: RoutingUnitOfWork, case: Case, policy: DuplicatePolicy) -> list[Match]:
    if case.category is None:
        return []
    box = bounding_box(case.lat, case.lon, policy.radius_m) if case.lat is not None and case.lon is not None else None
    if box is None and (case.town is None or not case.address):
        return []  # no point and no address in a town: nothing to find the same place by (domain/duplicates.py)
    window = timedelta(days=policy.window_days)
    candidates = uow.cases.duplicate_candidates(category=case.category, town=case.town, box=box,
                                                since=case.received_at - window, until=case.received_at + window,
                                                exclude=case.complaint_id)
    probe = Probe(case.complaint_id, case.category, case.town, case.address, case.content, case.received_at,
                  case.lat, case.lon)
    return matches(probe, candidates, policy)


def _suggest_master(uow: RoutingUnitOfWork, case: Case, policy: DuplicatePolicy) -> None:
    """疑似重复: the best open case this one looks like, for a person to confirm (never merged here)."""
    found = _duplicates(uow, case, policy)
    if found:
        best = found[0]
        case.duplicate_of = best.candidate.complaint_id
        case.explanation["duplicate"] = best.view()


def _reroute(uow: RoutingUnitOfWork, case: Case, deadlines: DeadlinePolicy) -> None:
    """After the first return (退单) the rules route the case again, away from the department that returned
    it; after a second, a person routes it (it stays in triage)."""
    returned = case.returned_by()
    if len(returned) != 1 or case.category is None:
        return
    towns = uow.towns.all() or dict(TOWNS)
    decision = route(uow.rules.active(), category=case.category, subcategory=case.subcategory,
                     town=towns.get(case.town) if case.town else None, confidence=1.0, min_confidence=0.0,
                     departments=uow.departments.active(), excluded=returned)
    if decision.department is None or decision.rule is None:
        return
    _assign(uow, case, department=decision.department, category=case.category, subcategory=case.subcategory,
            rule=f"{decision.rule.label} (退单后改派 / after a return)", by=SYSTEM, deadlines=deadlines)


def _masked(phone: str | None) -> str | None:
    """Intake sends it masked; mask again if it ever arrives in clear, so staff never see it."""
    return phone if not phone or "*" in phone or phone == ANONYMOUS else mask_phone(phone)


def _assign(uow: RoutingUnitOfWork, case: Case, *, department: str, category: str, subcategory: str | None,
            rule: str, by: str, deadlines: DeadlinePolicy) -> None:
    now = uow.clock.now()
    due = deadlines.after_assignment(now, pick_limit(uow.limits.all(), category, case.urgent))
    case.assign(department=department, category=category, subcategory=subcategory, rule=rule, by=by, at=now,
                deadlines=due)


Handler = Callable[..., Any]

EVENT_HANDLERS: dict[type[EventPayload], list[Handler]] = {
    ComplaintReceivedV1: [route_complaint],
    ComplaintRatedV1: [reopen_if_unsatisfied],
    ComplaintAnonymisedV1: [rewards.anonymise_rewards, anonymise_case],  # rewards' first: it does not commit
    InvestigationSignedOffV1: [rewards.open_reward],  # 举报奖励 (service_layer/rewards.py)
    CallbackCompletedV1: [reopen_if_unsatisfied],
    SessionsEndedV1: [record_ended_sessions],  # intake's accounts: tokens of ended sessions are refused
    UpstreamCaseLinkedV1: [followup_handlers.upstream_linked],  # the platform's deadlines, for the desk
}

COMMAND_HANDLERS: dict[type, Handler] = {
    AssignCase: assign_case,
    AcceptCase: accept_case,
    ReplyCase: reply_case,
    ReturnCase: return_case,
    RequestExtension: request_extension,
    DecideExtension: decide_extension,
    RejectCase: reject_case,
    ForwardCase: forward_case,
    TransferCase: transfer_case,
    MergeCase: merge_case,
    RequestAssist: request_assist,
    AddReplyPhoto: add_reply_photo,
    GetReplyPhoto: get_reply_photo,
    GetPublishedPhoto: get_published_photo,
    ReplyAssist: reply_assist,
    GiveToLeader: give_to_leader,
    DefineDepartment: define_department,
    UpdateDepartment: update_department,
    # queries
    DepartmentQueue: department_queue,
    QueueVersion: queue_version,
    CaseDetail: case_detail,
    TriageList: triage_list,
    PendingExtensions: pending_extensions,
    PendingExtensionsVersion: pending_extensions_version,
    AssistQueueVersion: assist_queue_version,
    BacklogVersion: backlog_version,
    DuplicateCandidates: duplicate_candidates,
    AssistQueue: assist_queue,
    Backlog: backlog,
    Classify: classify,
    ListDepartments: list_departments,
    ListRules: rules.list_rules,
    DefineRule: rules.define_rule,
    ChangeRule: rules.change_rule,
    RuleHistory: rules.rule_history,
    DryRunRules: rules.dry_run_rules,
    **petitions.PETITION_HANDLERS,  # 信访件 (service_layer/petitions.py)
    **inspections.INSPECTION_HANDLERS,  # 督察交办件 (service_layer/inspections.py)
    **investigations.INVESTIGATION_HANDLERS,  # 调查处理 (service_layer/investigations.py)
    **firms.FIRM_HANDLERS,  # 被举报企业 (service_layer/firms.py)
    **pauses.PAUSE_HANDLERS,  # 派单异议, 挂起 (service_layer/pauses.py)
    **incidents.INCIDENT_HANDLERS,  # 突发环境事件 (service_layer/incidents.py)
    **followup_handlers.FOLLOWUP_HANDLERS,  # 已联系群众 (service_layer/followups.py)
    **rewards.REWARD_HANDLERS,  # 举报奖励 (service_layer/rewards.py)
}
