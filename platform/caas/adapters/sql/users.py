"""People who sign in: the platform's operators and each tenant's users."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware
from caas.clock import WALL, TenantClock
from caas.domain.users import STAFF_ROLES, Operator, User


class OperatorRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, operator: Operator) -> Operator:
        operator.created_at = self.now()
        operator.id = self.conn.execute(tables.operators.insert().values(
            email=operator.email, name=operator.name, password_hash=operator.password_hash,
            created_at=operator.created_at)).inserted_primary_key[0]
        return operator

    def by_email(self, email: str) -> Operator | None:
        row = self.conn.execute(sa.select(tables.operators)
                                .where(tables.operators.c.email == email.lower())).first()
        return self._operator(row) if row else None

    def get(self, operator_id: int) -> Operator | None:
        row = self.conn.execute(sa.select(tables.operators)
                                .where(tables.operators.c.id == operator_id)).first()
        return self._operator(row) if row else None

    def set_password(self, operator_id: int, password_hash: str) -> None:
        self.conn.execute(tables.operators.update().where(tables.operators.c.id == operator_id)
                          .values(password_hash=password_hash))

    @staticmethod
    def _operator(row) -> Operator:
        return Operator(id=row.id, email=row.email, name=row.name,
                        password_hash=row.password_hash, created_at=aware(row.created_at))


class UserRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _user(row) -> User:
        return User(id=row.id, email=row.email, role=row.role, name=row.name, locale=row.locale,
                    password_hash=row.password_hash, active=row.active,
                    created_at=aware(row.created_at),
                    password_changed_at=aware(row.password_changed_at))

    def add(self, user: User) -> User:
        user.created_at = self.now()
        user.id = self.conn.execute(tables.users.insert().values(
            email=user.email, role=user.role, name=user.name, locale=user.locale,
            password_hash=user.password_hash, active=user.active, created_at=user.created_at,
        )).inserted_primary_key[0]
        return user

    _BY_ID = sa.select(tables.users).where(tables.users.c.id == sa.bindparam("user_id"))

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(self._BY_ID, {"user_id": user_id}).first()
        return self._user(row) if row else None

    def many(self, user_ids) -> dict[int, User]:
        rows = self.conn.execute(sa.select(tables.users)
                                 .where(tables.users.c.id.in_(sorted(set(user_ids)))))
        return {row.id: self._user(row) for row in rows}

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(sa.select(tables.users)
                                .where(tables.users.c.email == email.lower())).first()
        return self._user(row) if row else None

    def staff(self, offset: int, limit: int) -> tuple[list[User], int]:
        query = sa.select(tables.users).where(tables.users.c.role.in_(("admin", "employee")))
        total = self.conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
        rows = self.conn.execute(query.order_by(tables.users.c.id).offset(offset).limit(limit))
        return [self._user(row) for row in rows], total

    def active_staff(self) -> list[User]:
        """Every active employee and admin, by name."""
        table = tables.users
        rows = self.conn.execute(sa.select(table).where(
            table.c.role.in_(STAFF_ROLES), table.c.active.is_(True))
            .order_by(table.c.name, table.c.id))
        return [self._user(row) for row in rows]

    def lock_active_admins(self) -> int:
        """How many active admins there are, their rows locked until the transaction ends.

        An update takes the row locks on every backend (SQLite locks the database): two
        admins demoting or deactivating each other at once are counted one after the other,
        so the tenant never loses its last active admin.
        """
        table = tables.users
        return self.conn.execute(table.update().where(
            table.c.role == "admin", table.c.active.is_(True))
            .values(active=table.c.active)).rowcount

    def change(self, user_id: int, *, role: str, active: bool) -> None:
        self.conn.execute(tables.users.update().where(tables.users.c.id == user_id)
                          .values(role=role, active=active))

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(tables.users.update().where(tables.users.c.id == user_id)
                          .values(password_hash=password_hash, password_changed_at=self.now()))
