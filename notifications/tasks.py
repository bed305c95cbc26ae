from celery import shared_task

from . import services


@shared_task(name="notifications.notification_email_send", acks_late=True, max_retries=5)
def notification_email_send(notification_id: int) -> int:
    return services.notification_email_send(notification_id)
