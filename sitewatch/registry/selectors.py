"""Registry reads, always through a Scope."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sitewatch.accounts.visibility import Scope
from sitewatch.registry.models import BARRING_SANCTIONS, Device, FirmSanction, MonitoringPoint, must_connect_q


def project_list(*, scope: Scope, district: int | None = None, status: str | None = None,
                 must_connect: bool | None = None, q: str | None = None) -> QuerySet:
    qs = scope.projects().select_related("district", "builder", "contractor", "supervisor", "integrator")
    if district:
        qs = qs.filter(district_id=district)
    if status:
        qs = qs.filter(status=status)
    if must_connect is True:
        qs = qs.filter(must_connect_q())
    elif must_connect is False:
        qs = qs.exclude(must_connect_q())
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(contractor__name__icontains=q))
    # Correlated subqueries, not JOIN + GROUP BY: they run only for the rows of the page
    # asked for, and count() drops them altogether.
    return qs.annotate(point_count=_count_of(MonitoringPoint), device_count=_count_of(Device))


def _count_of(model) -> Subquery:
    rows = model.objects.filter(project=OuterRef("pk")).order_by().values("project").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


def project_get(*, scope: Scope, pk: int):
    """The project, or Project.DoesNotExist when it does not exist or is outside the scope."""
    return scope.projects().select_related("district", "builder", "contractor", "supervisor", "integrator").get(pk=pk)


def point_list(*, scope: Scope, project: int | None = None) -> QuerySet:
    qs = scope.points().select_related("project")
    return qs.filter(project_id=project) if project else qs


def device_list(*, scope: Scope, project: int | None = None, kind: str | None = None,
                district: int | None = None, q: str | None = None) -> QuerySet:
    qs = scope.devices().select_related("project", "project__district", "point", "installer", "device_model", "state")
    if project:
        qs = qs.filter(project_id=project)
    if kind:
        qs = qs.filter(kind=kind)
    if district:
        qs = qs.filter(project__district_id=district)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(serial__icontains=q) | Q(model__icontains=q)
                       | Q(hj212_mn__icontains=q) | Q(gb_device_id__icontains=q))
    return qs


def firm_list(*, scope: Scope, role: str | None = None, q: str | None = None) -> QuerySet:
    from sitewatch.registry.models import Firm

    qs = scope.firms()
    if role in Firm.ROLE_FIELDS:
        qs = qs.filter(**{Firm.ROLE_FIELDS[role]: True})
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
    return qs


def device_model_list(*, scope: Scope, kind: str | None = None, commitment_listed: bool | None = None,
                      q: str | None = None) -> QuerySet:
    qs = scope.device_models()
    if kind:
        qs = qs.filter(kind=kind)
    if commitment_listed is not None:
        qs = qs.filter(commitment_listed=commitment_listed)
    if q:
        qs = qs.filter(Q(model__icontains=q) | Q(brand_name__icontains=q))
    return qs


def project_counts_by_district(*, scope: Scope) -> dict[int, int]:
    """Visible projects per district id."""
    rows = scope.projects().order_by().values("district_id").annotate(n=Count("id", distinct=True))
    return {row["district_id"]: row["n"] for row in rows}


def firm_barring_sanction(*, firm, on) -> FirmSanction | None:
    """The suspension or blacklisting in force for ``firm`` on the date ``on``, if any."""
    return (FirmSanction.objects.filter(firm=firm, kind__in=BARRING_SANCTIONS, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).order_by("-starts_on").first())
