"""What the tests share: plain helpers and constants (fixtures are in ``tests/conftest.py``
and :mod:`tests.support.fixtures`), and the in-memory fakes of the fast tier."""
