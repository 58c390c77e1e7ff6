"""Load the default emission factors that ship with the server (metadata/data/emission_factors.csv)."""

from django.db import migrations


def load_factors(apps, schema_editor):
    from metadata.services import emission_factors_sync

    emission_factors_sync(
        factor_model=apps.get_model("metadata", "EmissionFactor"),
        fuel_type_model=apps.get_model("metadata", "FuelSourceType"),
        technology_model=apps.get_model("metadata", "FuelSourceTechnology"),
    )


class Migration(migrations.Migration):
    dependencies = [("metadata", "0006_emission_factors")]

    operations = [migrations.RunPython(load_factors, migrations.RunPython.noop)]
