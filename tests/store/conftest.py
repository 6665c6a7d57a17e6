from tests.hall_fixtures import KEY, calendar, district, make_store, store  # noqa: F401
from tests.pg import database_url, pg_schema_url, sqlite_template  # noqa: F401
