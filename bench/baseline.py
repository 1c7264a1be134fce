"""The database's floor for person search: the page's query written by hand, run straight through psycopg.

The same normalized-token LIKE on people_person.search_name, the same scoping predicate (the staff user's
facility; the partner's active consents, as selectors.active_consents builds it), the same ranking by trigram
similarity and the same page of 25 — one statement, no ORM, no HTTP, a connection per client kept open.
"""

import psycopg
from django.db import connection
from django.utils import timezone

from bench.client import Result, run_load
from karama.core.text import search_tokens
from karama.people.selectors import RECORD_PURPOSES

PAGE = 25
COLUMNS = "p.id, p.public_code, p.given_name, p.father_name, p.family_name, p.latin_given_name, p.latin_family_name, p.status, p.facility_id"
PARTNER_SCOPE = """EXISTS (
    SELECT 1 FROM people_consent c LEFT JOIN agreements_agreement a ON a.id = c.agreement_id
    WHERE c.person_id = p.id AND c.organization_id = %(organization)s AND c.purpose = ANY(%(purposes)s)
      AND c.revoked_at IS NULL AND c.valid_from <= %(today)s AND (c.valid_until IS NULL OR c.valid_until >= %(today)s)
      AND (c.agreement_id IS NULL OR (a.status = 'active' AND (a.ends_on IS NULL OR a.ends_on >= %(today)s))))"""


def search_statement(query: str, *, facility: int | None = None, organization: int | None = None) -> tuple[str, dict]:
    """The SQL and parameters of one search, scoped to a facility or to a partner organization."""
    tokens = search_tokens(query)
    params: dict = {"normalized": "".join(tokens), "limit": PAGE}
    conditions = []
    for position, token in enumerate(tokens):
        conditions.append(f"p.search_name LIKE %(token{position})s")
        params[f"token{position}"] = f"%{token}%"
    if facility is not None:
        conditions.append("p.facility_id = %(facility)s")
        params["facility"] = facility
    else:
        conditions.append(PARTNER_SCOPE)
        params |= {"organization": organization, "purposes": list(RECORD_PURPOSES), "today": timezone.localdate()}
    where = " AND ".join(conditions)
    sql = (
        f"SELECT {COLUMNS} FROM people_person p WHERE {where} "
        "ORDER BY similarity(p.search_name, %(normalized)s) DESC, p.id LIMIT %(limit)s"
    )
    return sql, params


def conninfo() -> str:
    settings = connection.settings_dict
    parts = {
        "dbname": settings["NAME"],
        "user": settings.get("USER") or "",
        "password": settings.get("PASSWORD") or "",
        "host": settings.get("HOST") or "",
        "port": str(settings.get("PORT") or ""),
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


async def sql_load(statements: list[tuple[str, dict]], *, concurrency: int, requests: int, seconds: float) -> Result:
    """Run the statements in turn from `concurrency` connections, as run_load drives the pages."""
    info = conninfo()

    async def connect():
        return await psycopg.AsyncConnection.connect(info, autocommit=True)

    async def execute(conn, statement: tuple[str, dict]) -> None:
        sql, params = statement
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            await cursor.fetchall()

    async def close(conn) -> None:
        await conn.close()

    return await run_load(
        connect,
        execute,
        statements,
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
        close_worker_state=close,
    )
