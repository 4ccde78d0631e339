"""The one visibility layer: what each user may see and change (DOMAIN §1).

Every page, API route and admin list asks a Scope for its querysets; nothing reads the
registry tables directly for a user. City and operator see everything; a district
bureau only its district; builder, contractor and supervisor only projects where their
firm is that party; an integrator only projects it is named on or installed devices in,
and only devices it installed; the public nothing of the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from sitewatch.accounts.models import Role
from sitewatch.registry.models import Device, DeviceModel, District, Firm, MonitoringPoint, Project

# What a role may write. Districts are data and read-only for everyone.
WRITE_ROLES = {
    "project": {Role.CITY, Role.DISTRICT, Role.OPERATOR},
    "point": {Role.CITY, Role.DISTRICT, Role.OPERATOR, Role.CONTRACTOR, Role.INTEGRATOR},
    "device": {Role.CITY, Role.DISTRICT, Role.OPERATOR, Role.CONTRACTOR, Role.INTEGRATOR},
    "firm": {Role.CITY, Role.DISTRICT, Role.OPERATOR},
    "device_model": {Role.CITY, Role.OPERATOR},
    # Which monitoring point a video channel shows (the operator maps catalogue channels).
    "channel_point": {Role.CITY, Role.OPERATOR},
}


@dataclass(frozen=True)
class Scope:
    """The visibility of one caller. Build it with `scope_for(user)`."""

    role: str | None
    district_id: int | None = None
    firm_id: int | None = None
    user_id: int | None = None

    # --- who ---
    @property
    def is_public(self) -> bool:
        return self.role is None

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.CITY, Role.OPERATOR)

    @property
    def can_read_audit(self) -> bool:
        return self.role == Role.CITY

    # --- what ---
    def projects(self, qs: QuerySet | None = None) -> QuerySet:
        qs = Project.objects.all() if qs is None else qs
        return qs if self.sees_all else qs.filter(self._project_q(""))

    def points(self, qs: QuerySet | None = None) -> QuerySet:
        qs = MonitoringPoint.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.INTEGRATOR:
            # Its points are those holding a device it installed, or on projects it is named on.
            installed = Device.objects.filter(installer_id=self.firm_id).values("point_id")
            return qs.filter(Q(pk__in=installed) | Q(project__integrator_id=self.firm_id))
        return qs.filter(self._project_q("project__"))

    def devices(self, qs: QuerySet | None = None) -> QuerySet:
        qs = Device.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.INTEGRATOR:
            return qs.filter(installer_id=self.firm_id)
        return qs.filter(self._project_q("project__"))

    def channels(self, qs: QuerySet | None = None) -> QuerySet:
        """Video channels (视频通道) of the devices this user sees."""
        from sitewatch.monitoring.models import Channel

        qs = Channel.objects.all() if qs is None else qs
        return qs if self.sees_all else qs.filter(device__in=self.devices())

    def firms(self, qs: QuerySet | None = None) -> QuerySet:
        """Firms that are parties to visible projects; unattached firms are nobody's district data."""
        qs = Firm.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.is_public:
            return qs.none()
        visible = self.projects()
        party = (
            Q(built_projects__in=visible)
            | Q(contracted_projects__in=visible)
            | Q(supervised_projects__in=visible)
            | Q(integrated_projects__in=visible)
            | Q(installed_devices__project__in=visible)
        )
        if self.firm_id:
            party |= Q(pk=self.firm_id)
        if self.role == Role.DISTRICT:
            unattached = (
                Q(built_projects__isnull=True)
                & Q(contracted_projects__isnull=True)
                & Q(supervised_projects__isnull=True)
                & Q(integrated_projects__isnull=True)
                & Q(installed_devices__isnull=True)
            )
            party |= unattached
        return qs.filter(party).distinct()

    def districts(self, qs: QuerySet | None = None) -> QuerySet:
        qs = District.objects.all() if qs is None else qs
        return qs.none() if self.is_public else qs

    def unregistered_devices(self, qs: QuerySet | None = None) -> QuerySet:
        """未登记设备: city and operator all; a district those placed in its district; nobody else."""
        from sitewatch.monitoring.models import UnregisteredDevice

        qs = UnregisteredDevice.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.DISTRICT:
            return qs.filter(district_id=self.district_id)
        return qs.none()

    @property
    def can_read_unregistered(self) -> bool:
        return self.role in (Role.CITY, Role.OPERATOR, Role.DISTRICT)

    def device_models(self, qs: QuerySet | None = None) -> QuerySet:
        qs = DeviceModel.objects.all() if qs is None else qs
        return qs.none() if self.is_public else qs

    # --- weekly integrator assessment (附件7; 口径 K-A7…K-A10) ---
    @property
    def can_read_assessments(self) -> bool:
        """The scoreboard: city, operator, district bureaus and integrators (their own).
        Builders, contractors and supervisors see none (口径 K-A9)."""
        return self.role in (Role.CITY, Role.OPERATOR, Role.DISTRICT, Role.INTEGRATOR)

    def assessment_firms(self, qs: QuerySet | None = None) -> QuerySet:
        """Integrators whose weekly scores this user sees: all (city, operator), those working
        in the district (named on or having installed devices in one of its projects), itself."""
        qs = Firm.objects.filter(is_integrator=True) if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.INTEGRATOR:
            return qs.filter(pk=self.firm_id)
        if self.role == Role.DISTRICT:
            named = Project.objects.filter(district_id=self.district_id).values("integrator_id")
            installed = Device.objects.filter(project__district_id=self.district_id).values("installer_id")
            return qs.filter(Q(pk__in=named) | Q(pk__in=installed))
        return qs.none()

    def assessments(self, qs: QuerySet | None = None) -> QuerySet:
        from sitewatch.assessment.models import Assessment

        qs = Assessment.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if not self.can_read_assessments:
            return qs.none()
        return qs.filter(integrator__in=self.assessment_firms().values("pk"))

    def assessment_point_ids(self, point_ids) -> set[str] | None:
        """Of an assessment's evidence points (ids as the evidence spells them), those whose
        items this user may see; None = all of them. A district sees only its own district's
        points: another district's project and point names never reach it (口径 K-A8)."""
        if self.sees_all or self.role == Role.INTEGRATOR:
            return None
        if self.role != Role.DISTRICT:
            return set()
        ids = [int(i) for i in point_ids if str(i).isdigit()]
        return {str(pk) for pk in MonitoringPoint.objects.filter(pk__in=ids, project__district_id=self.district_id)
                .values_list("pk", flat=True)}

    def can_download_evidence(self, assessment) -> bool:
        """The whole evidence file: the integrator itself, city and operator (口径 K-A8)."""
        return self.sees_all or (self.role == Role.INTEGRATOR and assessment.integrator_id == self.firm_id)

    def integrator_sanctions(self, qs: QuerySet | None = None) -> QuerySet:
        """Sanctions on the integrators whose scores this user sees (the scoreboard's view)."""
        from sitewatch.registry.models import FirmSanction

        qs = FirmSanction.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if not self.can_read_assessments:
            return qs.none()
        return qs.filter(firm__in=self.assessment_firms().values("pk"))

    # --- the monthly public bulletin (附件7; 口径 K-B3, K-B5) ---
    def bulletins(self, qs: QuerySet | None = None) -> QuerySet:
        """Published monthly bulletins: everyone's, the public included (DOMAIN §1 "public:
        the published monthly assessment only"). They hold no personal data."""
        from sitewatch.assessment.models import Bulletin

        return Bulletin.objects.all() if qs is None else qs

    @property
    def can_publish_bulletins(self) -> bool:
        """Preview a month's ranking and publish it: the city bureau only."""
        return self.role == Role.CITY

    def episodes(self, qs: QuerySet | None = None) -> QuerySet:
        """Offline episodes (离线事件): all (city, operator); a district its projects'; builder,
        contractor and supervisor their projects'; an integrator those it answers for (口径 K-A9)."""
        from sitewatch.assessment.models import OfflineEpisode

        qs = OfflineEpisode.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.INTEGRATOR:
            return qs.filter(integrator_id=self.firm_id)
        return qs.filter(self._project_q("project__"))

    # --- violations and rectification (附件6) ---
    def violations(self, qs: QuerySet | None = None) -> QuerySet:
        """Cases of the projects this user sees: all (city, operator), its district's, its
        own projects' for the firms; nothing for the public."""
        from sitewatch.enforcement.models import Violation

        qs = Violation.objects.all() if qs is None else qs
        return qs if self.sees_all else qs.filter(project__in=self.projects().values("pk"))

    def site_records(self, qs: QuerySet | None = None) -> QuerySet:
        """On-site and video-patrol records: the bureaus and the operator (within their scope);
        a firm sees a record only through the case it opened."""
        from sitewatch.enforcement.models import SiteRecord

        qs = SiteRecord.objects.all() if qs is None else qs
        if self.sees_all:
            return qs
        if self.role == Role.DISTRICT:
            return qs.filter(project__district_id=self.district_id)
        return qs.none()

    # --- may change ---
    def can_write(self, kind: str) -> bool:
        return self.role in WRITE_ROLES[kind]

    def can_write_project_data(self, project: Project) -> bool:
        """Points and devices of `project` (or the project itself for project writers)."""
        return self.projects().filter(pk=project.pk).exists()

    def writable_districts(self) -> QuerySet:
        if self.role == Role.DISTRICT:
            return District.objects.filter(pk=self.district_id)
        if self.can_write("project"):
            return District.objects.all()
        return District.objects.none()

    # --- internals ---
    def _project_q(self, prefix: str) -> Q:
        if self.role == Role.DISTRICT:
            return Q(**{f"{prefix}district_id": self.district_id})
        if self.role == Role.BUILDER:
            return Q(**{f"{prefix}builder_id": self.firm_id})
        if self.role == Role.CONTRACTOR:
            return Q(**{f"{prefix}contractor_id": self.firm_id})
        if self.role == Role.SUPERVISOR:
            return Q(**{f"{prefix}supervisor_id": self.firm_id})
        if self.role == Role.INTEGRATOR:
            # A subquery rather than a join, so that no row repeats and no DISTINCT is needed.
            installed = Device.objects.filter(installer_id=self.firm_id).values("project_id")
            return Q(**{f"{prefix}integrator_id": self.firm_id}) | Q(**{f"{prefix}pk__in": installed})
        return Q(pk__in=[])  # public, or a user without an organisation: nothing


PUBLIC = Scope(role=None)


def scope_for(user) -> Scope:
    """The scope of a request's user; anonymous users and users without an organisation see nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return PUBLIC
    org = user.organisation
    if org is None:
        return Scope(role=None, user_id=user.pk)
    return Scope(role=org.role, district_id=org.district_id, firm_id=org.firm_id, user_id=user.pk)
