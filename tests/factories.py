"""Model factories (factory_boy) for the objects tests build by hand: people, import jobs and their row errors,
production projects and their meters, generating plants with a location."""

from datetime import UTC, datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from psr.models import ContractType, Location, Meter, PowerSystemResource, ProductionProject
from timeseries.models import ImportJob, ImportRowError

PASSWORD = "a-long-test-password"


def _grant(user, create: bool, codenames: tuple[str, ...] | None) -> None:
    if create and codenames:
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="timeseries", codename__in=codenames)
        )


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can log in with PASSWORD; `perms` are codenames of the timeseries app (e.g. "run_import")."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)
    is_staff = False

    perms = factory.PostGeneration(lambda user, create, codenames, **kwargs: _grant(user, create, codenames))


class OperatorFactory(UserFactory):
    """Operator staff allowed to upload files to import (the import pages' users)."""

    is_staff = True
    perms = factory.PostGeneration(
        lambda user, create, codenames, **kwargs: _grant(user, create, codenames or ("run_import",))
    )


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A job as the pages list it, queued unless told otherwise, of a file that was never stored."""

    class Meta:
        model = ImportJob

    created_by = factory.SubFactory(OperatorFactory)
    original_name = factory.LazyAttribute(lambda job: f"{job.created_by.username}-file.csv")
    size = 1000


class ImportRowErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowError

    job = factory.SubFactory(ImportJobFactory)
    line = factory.Sequence(lambda n: n + 2)
    column = "value"
    value = "n/a"
    reason = "not a number."


class ProductionProjectFactory(factory.django.DjangoModelFactory):
    """A PPA from 2020 to 2030 in New York's time, declaring nothing (so any format and validity may be imported)."""

    class Meta:
        model = ProductionProject

    id = factory.Sequence(lambda n: f"PROJECT-{n}")
    name = factory.LazyAttribute(lambda p: f"Project {p.id}")
    contract_type = factory.LazyFunction(lambda: ContractType.objects.get_or_create(code="PPA")[0])
    contract_start_date = datetime(2020, 1, 1, tzinfo=UTC)
    contract_end_date = datetime(2030, 1, 1, tzinfo=UTC)
    contract_rule = "100%"
    timezone = "America/New_York"


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    meter_number = factory.Sequence(lambda n: f"M-{n:04d}")
    project = factory.SubFactory(ProductionProjectFactory)


class PlantFactory(factory.django.DjangoModelFactory):
    """A generating plant under a PSR of the demo grid (US-WECC-CISO-ABC by default: load the grid first)."""

    class Meta:
        model = PowerSystemResource

    id = factory.Sequence(lambda n: f"US-WECC-CISO-ABC-PLANT{n}")
    name = factory.LazyAttribute(lambda p: f"Plant {p.id}")
    topology_level_id = "Generating Plant"
    parent = factory.LazyFunction(lambda: PowerSystemResource.objects.get(pk="US-WECC-CISO-ABC"))
    timezone = "America/Los_Angeles"


class LocationFactory(factory.django.DjangoModelFactory):
    """A plant's location: a GeoJSON point somewhere in California."""

    class Meta:
        model = Location

    psr = factory.SubFactory(PlantFactory)
    town_name = "Somewhere"
    geojson = factory.Sequence(lambda n: {"type": "Point", "coordinates": [-121.0 + (n % 20) * 0.1, 37.0 + n % 7]})
