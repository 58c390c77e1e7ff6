"""Load the AIB EECS fuel-source catalogue that ships with the server."""

from django.db import migrations


def load_catalogue(apps, schema_editor):
    from metadata.services import catalogue_sync

    catalogue_sync(
        fuel_type_model=apps.get_model("metadata", "FuelSourceType"),
        technology_model=apps.get_model("metadata", "FuelSourceTechnology"),
    )


class Migration(migrations.Migration):
    dependencies = [("metadata", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
