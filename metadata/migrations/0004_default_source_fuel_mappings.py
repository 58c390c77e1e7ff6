"""Load the default mappings of ENTSO-E, EIA and Elexon fuel codes that ship with the server."""

from django.db import migrations


def load_mappings(apps, schema_editor):
    from metadata.services import source_mappings_sync

    source_mappings_sync(
        mapping_model=apps.get_model("metadata", "SourceFuelMapping"),
        fuel_type_model=apps.get_model("metadata", "FuelSourceType"),
        technology_model=apps.get_model("metadata", "FuelSourceTechnology"),
    )


class Migration(migrations.Migration):
    dependencies = [("metadata", "0003_source_fuel_mappings")]

    operations = [migrations.RunPython(load_mappings, migrations.RunPython.noop)]
