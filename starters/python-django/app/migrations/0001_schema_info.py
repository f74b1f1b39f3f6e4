"""The first migration: a placeholder that shows where migrations go and proves they run at start-up.

The schema is yours to design: write models in app/models.py, then `manage.py makemigrations app` writes
the next migration after this one. Drop this table in one of them if you like.
"""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [
        migrations.RunSQL(
            "CREATE TABLE schema_info (name text PRIMARY KEY, value text NOT NULL)",
            reverse_sql="DROP TABLE schema_info",
        ),
    ]
