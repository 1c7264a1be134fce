"""Send reads that tolerate a little lag to the replica when one is configured; writes to the primary."""


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # Reads inside a request that has written go to the primary too: Django pins them to the
        # connection of the open transaction, and the app keeps reads of just-written rows in it.
        return "replica" if model._meta.app_label in {"insights"} else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
