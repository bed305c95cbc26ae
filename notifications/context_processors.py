from .selectors import notification_unread_count


def notification_bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    company = request.company or None
    return {"unread_notifications": notification_unread_count(user, company) if company else 0}
