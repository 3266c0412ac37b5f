"""core: the one domain error (mapped to JSON once by the API) and the one transition mechanism."""

import pytest

from api.errors import exception_handler
from approvals.models import PhoneListEntry
from calls.models import Call
from core.errors import AlreadyDecided, DomainError, IllegalTransition
from core.transitions import Transition
from emergencies.models import EmergencyRequest


def test_domain_error_is_keyword_only_with_defaults():
    with pytest.raises(TypeError):
        DomainError("code", "message")  # noqa
    exc = DomainError(code="unknown_call", message="No call 7.", status=404, field="call_id")
    assert (exc.code, exc.message, exc.status, exc.field, str(exc)) == ("unknown_call", "No call 7.", 404, "call_id",
                                                                        "No call 7.")
    refused = IllegalTransition(message="no")
    assert (refused.code, refused.status) == ("illegal_transition", 409)
    decided = AlreadyDecided(message="no", record=1)
    assert (decided.code, decided.status, decided.record) == ("already_decided", 409, 1)


@pytest.mark.parametrize("exc", [
    DomainError(code="same_facility", message="Pick another facility.", field="to_facility"),
    IllegalTransition(message="A call that is “completed” cannot become “expired”."),
    AlreadyDecided(message="Already denied.", record=object()),
])
def test_the_api_answers_any_domain_error_with_its_code_message_and_status(exc):
    response = exception_handler(exc, {})
    assert response.status_code == exc.status
    assert response.data == {"code": exc.code, "message": exc.message}


@pytest.mark.parametrize("model,status,allowed,refused", [
    (PhoneListEntry, "pending", "live", "suspended"),
    (PhoneListEntry, "live", "suspended", "live"),
    (EmergencyRequest, "open", "approved", "completed"),
    (EmergencyRequest, "expired", "completed", "approved"),
    (Call, "authorized", "completed", "denied"),
    (Call, "completed", None, "expired"),
])
def test_each_status_table_uses_the_one_mechanism(model, status, allowed, refused):
    record = model(status=status)
    with pytest.raises(IllegalTransition) as exc:
        record.transition_to(refused, actor="someone")
    assert exc.value.code == "illegal_transition" and "cannot become" in exc.value.message
    assert record.status == status  # nothing changed
    if allowed:
        change = record.transition_to(allowed, actor="someone", reason="why")
        assert isinstance(change, Transition)
        assert (change.from_status, change.to_status, change.actor) == (status, allowed, "someone")
        assert change.reason == "why"
        assert record.status == allowed


def test_a_form_page_answers_400_to_a_refused_post_and_200_when_opened():
    from django.test import RequestFactory

    from core.views import form_status

    rf = RequestFactory()
    assert form_status(rf.post("/x/")) == 400
    assert form_status(rf.get("/x/")) == 200


def test_page_of_takes_the_asked_page_the_last_past_the_end_and_the_first_for_garbage():
    from django.test import RequestFactory

    from core.views import page_of

    rf = RequestFactory()
    rows = list(range(45))
    assert list(page_of(rf.get("/x/", {"page": "2"}), rows, per_page=20)) == list(range(20, 40))
    assert page_of(rf.get("/x/", {"page": "99"}), rows, per_page=20).number == 3
    assert page_of(rf.get("/x/", {"page": "abc"}), rows, per_page=20).number == 1


def test_a_number_dialled_again_is_parsed_once_and_a_refusal_is_refused_every_time():
    """core.numbers keeps the parsing of the numbers dialled again; the answer is the same, and a refused number
    (not kept) is refused again with its code."""
    from core import numbers

    numbers._e164.cache_clear()
    assert numbers.normalize_number("(312) 555-0142") == numbers.normalize_number(" (312) 555-0142 ") == "+13125550142"
    assert numbers._e164.cache_info().hits == 1
    for _ in range(2):
        with pytest.raises(numbers.NumberNotCallable) as refused:
            numbers.normalize_number("1-800-555-0199")
        assert refused.value.code == "toll_free"
    assert numbers._e164.cache_info().currsize == 1
