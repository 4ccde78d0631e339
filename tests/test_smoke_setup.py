from sitewatch.registry.models import District, Project


def test_demo_cast_has_ten_districts_and_thirty_projects(db):
    assert District.objects.count() == 10
    assert Project.objects.count() == 30
