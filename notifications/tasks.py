from celery import shared_task

from . import services


@shared_task(name=services.EMAIL_TASK, acks_late=True, max_retries=5)
def notification_email_send(notification_id: int) -> int:
    return services.notification_email_send(notification_id)


@shared_task(name="notifications.notification_emails_send_pending", acks_late=True, ignore_result=True)
def notification_emails_send_pending() -> int:
    return services.notification_emails_send_pending()
