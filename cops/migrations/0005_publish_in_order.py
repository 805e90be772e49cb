from django.db import migrations

# At commit, the sets a transaction changed get their new tokens in one statement, in the order of
# their names. One row per set was published in the order the transaction first touched them: two
# commits touching the same two sets in opposite orders could each lock one token's row and wait
# for the other's (a deadlock, one of them cancelled). Locks taken in one order cannot cross.
PUBLISH_IN_ORDER = """
CREATE OR REPLACE FUNCTION cops_publish_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The first of the transaction's notes publishes them all; the next ones find nothing left.
    -- Other transactions' notes are never visible here (each is deleted before its commit).
    WITH noted AS (DELETE FROM cops_datachange RETURNING name)
    INSERT INTO cops_dataversion (name, token)
    SELECT name, gen_random_uuid() FROM (SELECT DISTINCT name FROM noted) AS changed ORDER BY name
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$;
"""

PUBLISH_ONE_BY_ONE = """
CREATE OR REPLACE FUNCTION cops_publish_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cops_dataversion (name, token) VALUES (NEW.name, gen_random_uuid())
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    DELETE FROM cops_datachange WHERE id = NEW.id;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cops", "0004_data_versions"),
    ]

    operations = [migrations.RunSQL(PUBLISH_IN_ORDER, reverse_sql=PUBLISH_ONE_BY_ONE)]
