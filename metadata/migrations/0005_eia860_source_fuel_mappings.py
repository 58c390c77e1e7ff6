"""The EIA-860 source (generator inventories: energy source / prime mover) and its default mappings."""

from django.db import migrations, models


def load_mappings(apps, schema_editor):
    from metadata.services import source_mappings_sync

    # Adds the shipped defaults a database lacks (here the eia860 rows); never changes an operator's mapping.
    source_mappings_sync(
        mapping_model=apps.get_model("metadata", "SourceFuelMapping"),
        fuel_type_model=apps.get_model("metadata", "FuelSourceType"),
        technology_model=apps.get_model("metadata", "FuelSourceTechnology"),
    )


SOURCE_CHOICES = [
    ("entsoe", "ENTSO-E production type"),
    ("eia", "EIA fuel or energy source code"),
    ("elexon", "Elexon BMRS fuel type"),
    ("eia860", "EIA-860 energy source / prime mover"),
]


class Migration(migrations.Migration):
    dependencies = [("metadata", "0004_default_source_fuel_mappings")]

    operations = [
        migrations.AlterField(
            model_name="historicalsourcefuelmapping",
            name="source",
            field=models.CharField(choices=SOURCE_CHOICES, max_length=16),
        ),
        migrations.AlterField(
            model_name="sourcefuelmapping",
            name="source",
            field=models.CharField(choices=SOURCE_CHOICES, max_length=16),
        ),
        migrations.RunPython(load_mappings, migrations.RunPython.noop),
    ]
