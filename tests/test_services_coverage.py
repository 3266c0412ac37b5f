"""Services own their transactions, and every one that writes is tested with no transaction around it.

The suite runs each test inside a transaction, so a service that relies on its caller's transaction
passes everywhere but in production (issue 8, defect 1: ``@transaction.atomic`` slid onto a helper and
``inmate_book``'s ``select_for_update()`` ran in autocommit). These checks are mechanical:

- every public function of every services module is either a writing service, exercised by its app's
  ``tests/<app>/test_services_transactional.py`` (``django_db(transaction=True)``), or listed below as
  one that does not write on its own, with the reason: a new service cannot be forgotten;
- every writing service opens its transaction itself (``@transaction.atomic`` or ``with
  transaction.atomic()``), or delegates to a writing service of its module that does, or commits in
  several deliberate steps through helpers named below;
- no other helper owns a transaction (a decorator sliding onto a helper leaves the service unwrapped);
- while those tests run, a services module writing with no transaction open fails them
  (``tests/transactional_guard.py``), whatever the source looks like.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from django.db import connection

from tests.transactional_guard import SERVICE_MODULES, autocommit_writes

TRANSACTIONAL_TESTS = (
    "tests.api.test_services_transactional",
    "tests.approvals.test_services_transactional",
    "tests.calls.test_services_transactional",
    "tests.calls.test_reviews_transactional",
    "tests.emergencies.test_services_transactional",
    "tests.facilities.test_services_transactional",
    "tests.investigations.test_services_transactional",
    "tests.operations.test_services_transactional",
)

# Public functions that write nothing by themselves, or write only inside their caller's transaction.
NOT_SERVICES = {
    "audit.services": {
        "actor_user": "reads an attribute",
        "actor_label_for": "formats a label",
        "audit_record": "one INSERT inside the caller's transaction (every service records through it); "
                        "exercised by every transactional test",
        "audit_record_many": "one bulk INSERT inside the caller's transaction (entries_rescreen)",
    },
    "calls.services": {
        "charge_for": "arithmetic",
        "completion_grace": "reads a setting",
    },
    "calls.reset": {
        "chunk_size": "reads a setting",
        "stale_after": "reads a setting",
    },
    "emergencies.services": {
        "emergency_number_screen": "screening reads (approvals' screen_number)",
    },
}

# Services that commit in several deliberate steps, and the helpers (of the same module) that own those
# transactions. Nothing else may put a helper in charge of a transaction.
MULTI_STEP = {
    "approvals.services": {
        # the decision-time screening commits what it finds even when the approval is then refused
        "entry_approve": {"_screen_at_decision", "_approve"},
    },
    "calls.services": {
        # a plain decision is first tried in one statement with no transaction (_decide_unlocked, declared in
        # tests/transactional_guard.ONE_STATEMENT); anything else is decided in the locked transaction
        "call_authorize": {"_decide_locked"},
    },
}


def _modules(module_name: str) -> list:
    """The services module, or a services package and each of its modules (approvals.services.entries, …)."""
    module = importlib.import_module(module_name)
    found = [module]
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        found.append(importlib.import_module(f"{module_name}.{info.name}"))
    return found


def _functions(module_name: str) -> dict[str, object]:
    """The functions defined in a services module, or in any module of a services package."""
    found: dict[str, object] = {}
    for module in _modules(module_name):
        found.update({name: fn for name, fn in inspect.getmembers(module, inspect.isfunction)
                      if fn.__module__ == module.__name__})
    return found


def _public(module_name: str) -> dict[str, object]:
    return {name: fn for name, fn in _functions(module_name).items() if not name.startswith("_")}


def _exercised() -> dict[str, dict[str, str]]:
    """{services module: {service: the test module that calls it}}."""
    found: dict[str, dict[str, str]] = {}
    for test_module in TRANSACTIONAL_TESTS:
        module = importlib.import_module(test_module)
        for services_module, names in module.EXERCISED.items():
            for name in names:
                found.setdefault(services_module, {})[name] = test_module
    return found


def _owns_transaction(fn) -> bool:
    source = inspect.getsource(fn)  # the decorators are part of the source
    return "@transaction.atomic" in source or "transaction.atomic(" in source


def _calls(source: str, name: str) -> bool:
    return re.search(rf"(?<![\w.])(?:\w+\.)?{re.escape(name)}\(", source) is not None


def _writing(module_name: str) -> dict[str, object]:
    skip = NOT_SERVICES.get(module_name, {})
    return {name: fn for name, fn in _public(module_name).items() if name not in skip}


@pytest.mark.parametrize("module_name", SERVICE_MODULES)
def test_every_public_service_is_exercised_with_no_wrapping_transaction(module_name):
    exercised = _exercised().get(module_name, {})
    forgotten = sorted(set(_writing(module_name)) - set(exercised))
    assert not forgotten, (
        f"{module_name}: {forgotten} not exercised by any tests/<app>/test_services_transactional.py; "
        "call each writing service there (django_db(transaction=True)) and add it to EXERCISED, or list it in "
        "NOT_SERVICES with the reason it does not write"
    )
    stale = sorted(set(NOT_SERVICES.get(module_name, {})) - set(_public(module_name)))
    assert not stale, f"{module_name}: NOT_SERVICES lists {stale}, which the module no longer has"


def test_each_exercised_service_exists_and_is_called_by_its_test_module():
    for services_module, names in _exercised().items():
        public = _public(services_module)
        for name, test_module in names.items():
            assert name in public, f"{test_module} lists {services_module}.{name}, which does not exist"
            module = importlib.import_module(test_module)
            source = inspect.getsource(module)
            via = getattr(module, "VIA", {}).get(name)
            assert _calls(source, via or name), f"{test_module} lists {name} but never calls {via or name}()"


@pytest.mark.parametrize("test_module", TRANSACTIONAL_TESTS)
def test_the_transactional_modules_run_with_no_wrapping_transaction(test_module):
    module = importlib.import_module(test_module)
    marks = module.pytestmark if isinstance(module.pytestmark, list) else [module.pytestmark]
    db_marks = [m for m in marks if m.name == "django_db"]
    assert db_marks and db_marks[0].kwargs.get("transaction") is True, f"{test_module}: django_db(transaction=True)"
    fixtures = {name for m in marks if m.name == "usefixtures" for name in m.args}
    assert "services_own_their_transactions" in fixtures, f"{test_module}: use the services_own_their_transactions guard"


@pytest.mark.parametrize("module_name", SERVICE_MODULES)
def test_every_writing_service_opens_its_own_transaction(module_name):
    writing = _writing(module_name)
    functions = _functions(module_name)
    steps = MULTI_STEP.get(module_name, {})
    owners = {name for name, fn in writing.items() if _owns_transaction(fn)}
    unowned = []
    for name, fn in writing.items():
        if name in owners:
            continue
        source = inspect.getsource(fn)
        if any(_calls(source, other) for other in owners if other != name):
            continue  # delegates to a writing service of the module that owns its transaction
        helpers = steps.get(name, set())
        if helpers and all(h in functions and _owns_transaction(functions[h]) for h in helpers) and any(
            _calls(source, h) for h in helpers
        ):
            continue
        unowned.append(name)
    assert not unowned, f"{module_name}: {unowned} write without opening a transaction of their own"


@pytest.mark.parametrize("module_name", SERVICE_MODULES)
def test_no_helper_owns_a_transaction(module_name):
    allowed = set().union(*MULTI_STEP.get(module_name, {}).values())
    helpers = {name: fn for name, fn in _functions(module_name).items() if name.startswith("_")}
    atomic = sorted(name for name, fn in helpers.items() if "@transaction.atomic" in inspect.getsource(fn)
                    and name not in allowed)
    assert not atomic, (
        f"{module_name}: helpers {atomic} are decorated with @transaction.atomic; the service that calls them "
        "must own the transaction (decorate the service instead)"
    )


@pytest.mark.parametrize("module_name", SERVICE_MODULES)
def test_a_services_package_exports_every_public_function_of_its_modules(module_name):
    """Callers write ``services.entry_add``: each public function of a package's module is the package's too."""
    package = importlib.import_module(module_name)
    missing = sorted(name for name, fn in _public(module_name).items() if getattr(package, name, None) is not fn)
    assert not missing, f"{module_name} does not export {missing} (import them in its __init__.py)"


def test_a_services_package_is_discovered_module_by_module():
    modules = {module.__name__ for module in _modules("approvals.services")}
    assert {"approvals.services", "approvals.services.entries", "approvals.services.rescreen"} <= modules
    functions = _functions("approvals.services")
    assert functions["entry_add"].__module__ == "approvals.services.entries"
    assert functions["_update_screened"].__module__ == "approvals.services.rescreen"  # helpers too


@pytest.mark.django_db(transaction=True)
def test_the_guard_catches_a_write_in_autocommit_from_a_services_package_module(home):
    found: list[tuple[str, str]] = []
    namespace = {"__name__": "approvals.services.blocks"}
    exec(  # noqa: S102 - a function that looks, to the guard, like one of a services package's modules
        "from facilities.models import Facility\n"
        "def careless(pk):\n"
        "    Facility.objects.filter(pk=pk).update(name='Renamed')\n",
        namespace,
    )
    with connection.execute_wrapper(autocommit_writes(found)):
        namespace["careless"](home.pk)
    assert [service for service, _ in found] == ["approvals.services.blocks.careless"]


@pytest.mark.django_db(transaction=True)
def test_the_guard_catches_a_service_writing_in_autocommit(home):
    """A services-module function that updates with no transaction open is caught; the same in one is not."""
    found: list[tuple[str, str]] = []
    namespace = {"__name__": "facilities.services"}
    exec(  # noqa: S102 - a function that looks, to the guard, like one of facilities.services
        "from django.db import transaction\n"
        "from facilities.models import Facility\n"
        "def careless(pk):\n"
        "    Facility.objects.filter(pk=pk).update(name='Renamed')\n"
        "@transaction.atomic\n"
        "def careful(pk):\n"
        "    Facility.objects.filter(pk=pk).update(name='Renamed again')\n",
        namespace,
    )
    with connection.execute_wrapper(autocommit_writes(found)):
        home.name = "Set up by the test"
        home.save()  # the test's own writes are not a service's
        namespace["careful"](home.pk)
        assert found == []
        namespace["careless"](home.pk)
    assert [service for service, _ in found] == ["facilities.services.careless"]
    assert found[0][1].startswith("UPDATE")


def test_every_apps_services_module_is_checked():
    from importlib.util import find_spec

    from facilities.apps import PROJECT_APPS

    modules = {f"{app}.services" for app in PROJECT_APPS if find_spec(f"{app}.services") is not None}
    assert modules <= set(SERVICE_MODULES), f"add {sorted(modules - set(SERVICE_MODULES))} to SERVICE_MODULES"
