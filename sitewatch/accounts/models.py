"""Users, organisations with a DOMAIN §1 role, API tokens and the audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


class Role(models.TextChoices):
    CITY = "city", "市住建局"
    DISTRICT = "district", "县（市、区）住建主管部门"
    BUILDER = "builder", "建设单位"
    CONTRACTOR = "contractor", "施工单位"
    SUPERVISOR = "supervisor", "监理单位"
    INTEGRATOR = "integrator", "系统集成商"
    OPERATOR = "operator", "平台运维单位"


FIRM_ROLES = {Role.BUILDER, Role.CONTRACTOR, Role.SUPERVISOR, Role.INTEGRATOR, Role.OPERATOR}


class Organisation(models.Model):
    """Who a user acts for: the city bureau, one district bureau, or a firm in one role."""

    name = models.CharField("名称", max_length=200)
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    district = models.ForeignKey(
        "registry.District", verbose_name="辖区", on_delete=models.PROTECT, null=True, blank=True,
        related_name="organisations",
    )
    firm = models.ForeignKey(
        "registry.Firm", verbose_name="企业", on_delete=models.PROTECT, null=True, blank=True,
        related_name="organisations",
    )

    class Meta:
        ordering = ["role", "name"]
        verbose_name = verbose_name_plural = "组织"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="district", district__isnull=False) | ~models.Q(role="district")),
                name="district_org_has_district",
                violation_error_message="县（市、区）住建主管部门必须绑定一个辖区。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    def clean(self) -> None:
        if self.role == Role.DISTRICT and not self.district_id:
            raise ValidationError({"district": "县（市、区）住建主管部门必须绑定一个辖区。"})
        if self.role != Role.DISTRICT and self.district_id:
            raise ValidationError({"district": "只有县（市、区）住建主管部门绑定辖区。"})
        if self.role in FIRM_ROLES and not self.firm_id:
            raise ValidationError({"firm": "企业用户的组织必须对应一家已登记企业。"})
        if self.role not in FIRM_ROLES and self.firm_id:
            raise ValidationError({"firm": "政府部门组织不对应企业。"})


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    phone = models.CharField("手机号", max_length=30, blank=True)
    is_city_admin = models.BooleanField(
        "市级管理员", default=False, help_text="可维护工作日历、设备型号目录与系统配置（仅市住建局用户）。"
    )

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def role(self) -> str | None:
        return self.organisation.role if self.organisation_id else None

    @property
    def display_name(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最后使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.user.username}）"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "swt_" + secrets.token_urlsafe(32)


class AuditAction(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计日志不可修改。")

    def delete(self):
        raise PermissionError("审计日志不可删除。")


class AuditEntry(models.Model):
    """Append-only: who did what to which record, with the values before and after."""

    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        User, verbose_name="操作人", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("动作", max_length=20, choices=AuditAction.choices)
    model = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    remote_addr = models.GenericIPAddressField("来源地址", null=True, blank=True)
    via = models.CharField("途径", max_length=20, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = verbose_name_plural = "审计日志"
        indexes = [models.Index(fields=["action", "actor_name", "at"]), models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志不可删除。")
