"""HTTP routes of the rule book (分拨规则): supervisors read the rules, their audit and dry runs;
administrators change them. Each route builds a command or query for the bus and returns its answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from services.routing.domain.commands import ChangeRule, DefineRule, DryRunRules, ListRules, RuleHistory
from services.routing.domain.rules import RuleSpec
from shared.auth import Principal
from shared.http import auth_deps, error_responses
from shared.messagebus import MessageBus

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]


class RuleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Code = Field(description="问题类型，如 noise")
    subcategory: Code | None = Field(None, description="细类，如 construction（可选）")
    area: Literal["streets", "towns"] | None = Field(None, description="只适用于街道（streets）或镇（towns）")
    town: Code | None = Field(None, description="只适用于一个镇街（代码，如 taihe）")
    department: Code = Field(description="承办单位代码，或 town（属地）、triage（人工分拨）")
    note: str | None = Field(None, max_length=500)

    def spec(self) -> RuleSpec:
        return RuleSpec(self.category, self.department, self.subcategory, self.area, self.town, self.note)


class NewRule(RuleBody):
    reason: str | None = Field(None, max_length=500, description="为什么改（记入审计）")


class RuleChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: Code | None = None
    note: str | None = Field(None, max_length=500)
    active: bool | None = None
    reason: str | None = Field(None, max_length=500, description="为什么改（记入审计）")


class DryRunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    add: list[RuleBody] = Field(default_factory=list, max_length=50)
    switch_off: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=200)
    days: int = Field(30, ge=1, le=366, description="回看多少天收到的案件（默认 30）")


def build_rules_router(bus: MessageBus[Any], *, jwt_key: str) -> APIRouter:
    deps = auth_deps(jwt_key)
    readers, admin = deps.role("supervisor"), deps.role("admin")
    router = APIRouter(prefix="/api/v1/rules", tags=["routing", "rules"])

    @router.get("", summary="分拨规则 / the routing rules")
    def rules(inactive: bool = Query(False, description="含已停用的规则"),
              _user: Principal = Depends(readers)) -> dict[str, Any]:
        return bus.handle(ListRules(include_inactive=inactive))  # type: ignore[no-any-return]

    @router.post("", status_code=201, summary="新增规则 / add a rule (admin)")
    def add_rule(body: NewRule, principal: Principal = Depends(admin)) -> dict[str, Any]:
        return bus.handle(DefineRule(body.spec(), principal.username, body.reason))  # type: ignore[no-any-return]

    @router.patch("/{rule_id}", summary="修改或停用规则 / change or switch off a rule (admin)")
    def change_rule(body: RuleChangeBody, rule_id: Annotated[int, Path(ge=1)],
                    principal: Principal = Depends(admin)) -> dict[str, Any]:
        return bus.handle(ChangeRule(rule_id, principal.username, body.department, body.note,  # type: ignore[no-any-return]
                                     body.active, body.reason))

    @router.get("/history", summary="规则变更记录 / who changed which rule when")
    def history(rule_id: int | None = Query(None, ge=1), limit: int = Query(100, ge=1, le=1000),
                _user: Principal = Depends(readers)) -> dict[str, Any]:
        return bus.handle(RuleHistory(rule_id, limit))  # type: ignore[no-any-return]

    @router.post("/dry-run", summary="试运行：改了规则，过去的案件会分到哪里 / how a change would have routed",
                 responses=error_responses(404))  # a rule to switch off that does not exist
    def dry_run(body: DryRunBody, _user: Principal = Depends(readers)) -> dict[str, Any]:
        return bus.handle(DryRunRules(tuple(r.spec() for r in body.add),  # type: ignore[no-any-return]
                                      tuple(body.switch_off), body.days))

    return router
