"""Services queue tasks by their registered name (tasks import services, never the reverse)."""

import pytest

from agreements.services.orders import RIGHTS_REFRESH_TASK, SUBMIT_TASK
from bankint.tasks import task_by_name
from notifications.services import EMAIL_TASK


@pytest.mark.parametrize("name", [SUBMIT_TASK, RIGHTS_REFRESH_TASK, EMAIL_TASK])
def test_a_name_a_service_queues_is_a_registered_task(name):
    assert task_by_name(name).name == name


def test_an_unknown_name_is_a_bug_not_a_silent_drop():
    with pytest.raises(KeyError):
        task_by_name("agreements.no_such_task")
